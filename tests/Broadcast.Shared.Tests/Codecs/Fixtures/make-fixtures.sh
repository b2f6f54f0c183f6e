#!/usr/bin/env bash
# Regenerates the small codec fixtures used by the framer tests (committed; ~0.3 MB in all).
# The tests compare our frame counts and durations with ffprobe on these same files.
set -euo pipefail
cd "$(dirname "$0")"
src=(-f lavfi -i "sine=frequency=440:duration=3" -f lavfi -i "anoisesrc=duration=3:amplitude=0.05:seed=7"
     -filter_complex "[0][1]amix=inputs=2:duration=shortest" -map_metadata -1)
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
ff "${src[@]}" -ar 44100 -ac 2 -c:a libmp3lame -b:a 128k -metadata title=Fixture -id3v2_version 3 cbr128.mp3
ff "${src[@]}" -ar 22050 -ac 1 -c:a libmp3lame -q:a 5 vbr-mpeg2.mp3
ff "${src[@]}" -ar 8000 -ac 1 -c:a libmp3lame -b:a 16k -write_xing 0 -id3v2_version 0 mpeg25.mp3
ff "${src[@]}" -ar 48000 -ac 2 -c:a mp2 -b:a 192k layer2.mp2
ff "${src[@]}" -ar 44100 -ac 2 -c:a aac -b:a 96k -f adts aac-lc.aac
ff "${src[@]}" -ar 44100 -ac 2 -c:a libvorbis -q:a 2 vorbis.ogg
ff "${src[@]}" -ar 48000 -ac 2 -c:a libopus -b:a 64k opus.ogg
ff -f lavfi -i "sine=frequency=440:duration=1" -ar 8000 -ac 1 -c:a flac -f ogg flac.ogg
ff -f lavfi -i "sine=frequency=660:duration=1" -ar 22050 -ac 1 -c:a libvorbis -q:a 0 chain-b.ogg
cat vorbis.ogg chain-b.ogg > chained.ogg
ls -l

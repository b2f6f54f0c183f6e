using Broadcast.Shared.Stations;

namespace Broadcast.Shared.Tests.Stations;

/// <summary>
/// Property test of mount names, which arrive from encoders, listeners and the admin: generated strings over an
/// alphabet heavy in what hurts (separators, dots, NATS wildcards, controls, Unicode look-alikes), seeded and bounded
/// (BROADCAST_FUZZ_SEED / BROADCAST_FUZZ_CASES). An accepted name keeps its text and maps to a subject token of NATS-safe
/// characters that no other accepted name shares; a refused one has a reason with words.
/// </summary>
public sealed class StationNamePropertyTests
{
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("BROADCAST_FUZZ_SEED"), out var seed) ? seed : 1616;

    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("BROADCAST_FUZZ_CASES"), out var runs) ? runs * 10 : 30_000;

    [Fact]
    public void TryParse_GeneratedNames_AcceptedOnesMapToDistinctSafeTokens_RefusedOnesSayWhy()
    {
        const string Alphabet = "abcXYZ019-_._.~/\\*> \t\r\n\0%?#&:;{}\u007f\u0085\u00a0\u00e9\u2024\uff0e\u202e";
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        var random = new Random(Seed);
        var accepted = 0;
        for (var run = 0; run < Runs; run++)
        {
            var length = random.Next(0, random.Next(8) == 0 ? 80 : 12);
            var text = new string([.. Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
            var mount = random.Next(6) == 0 ? text : "/" + text;

            if (!StationName.TryParse(mount, out var station, out var error))
            {
                Assert.NotEqual(MountError.None, error);
                Assert.False(string.IsNullOrWhiteSpace(MountErrorText.Describe(error)), $"seed {Seed} case {run}: no reason for {StationName.Printable(mount)}");
                continue;
            }

            accepted++;
            Assert.Equal(mount, station.Mount);
            Assert.Equal(MountError.None, error);
            Assert.True(station.SubjectToken.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'), $"seed {Seed} case {run}: token {station.SubjectToken}");
            Assert.True(tokens.TryAdd(station.SubjectToken, mount) || tokens[station.SubjectToken] == mount, $"seed {Seed} case {run}: {mount} and {tokens[station.SubjectToken]} share a token");
            Assert.Equal(station, StationName.Parse(mount));
        }

        Assert.True(accepted > Runs / 100, $"seed {Seed}: only {accepted} of {Runs} names accepted; the generator no longer reaches valid names");
    }
}

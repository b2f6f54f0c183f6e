using System.Globalization;

namespace Broadcast.LoadTest;

/// <summary>Minimal <c>--name value</c> parsing: every option has a default, unknown ones are an error.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Arguments(IEnumerable<string> args)
    {
        using var items = args.GetEnumerator();
        while (items.MoveNext())
        {
            var name = items.Current;
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"expected --option, got '{name}'");
            }

            _values[name[2..]] = items.MoveNext() && !items.Current.StartsWith("--", StringComparison.Ordinal)
                ? items.Current
                : throw new ArgumentException($"--{name[2..]} needs a value");
        }
    }

    public string Text(string name, string fallback)
    {
        _used.Add(name);
        return _values.GetValueOrDefault(name, fallback);
    }

    public int Integer(string name, int fallback) => int.Parse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    public double Number(string name, double fallback) => double.Parse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    /// <summary>Fails on options no command asked for (a typo would otherwise silently use a default).</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Where(key => !_used.Contains(key)).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException("unknown option(s): " + string.Join(", ", unknown.Select(u => "--" + u)));
        }
    }
}

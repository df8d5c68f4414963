namespace X0tta6bl4.Core.VersionFiles;

/// <summary>Line arithmetic on decoded text that treats \n, \r\n and a lone \r alike.</summary>
internal static class TextLines
{
    /// <summary>1-based line number of the character at <paramref name="index"/>.</summary>
    public static int LineNumberAt(string text, int index)
    {
        var line = 1;
        for (var i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
            {
                line++;
            }
        }
        return line;
    }

    /// <summary>The line containing <paramref name="index"/>, without its terminator.</summary>
    public static (int Start, int Length) LineAt(string text, int index)
    {
        var start = index;
        while (start > 0 && text[start - 1] != '\n' && text[start - 1] != '\r')
        {
            start--;
        }
        var end = index;
        while (end < text.Length && text[end] != '\n' && text[end] != '\r')
        {
            end++;
        }
        return (start, end - start);
    }

    public static string LineText(string text, int index)
    {
        var (s, l) = LineAt(text, index);
        return text.Substring(s, l);
    }
}

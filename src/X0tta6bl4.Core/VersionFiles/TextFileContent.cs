using System.Text;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// A text file decoded so that re-encoding the unchanged text gives back the very same bytes:
/// BOM, UTF-16, line endings, trailing whitespace and a missing final newline all survive, and only
/// the bytes of an edit differ. Files that are not valid UTF-8 and carry no BOM are read as
/// Latin-1, which maps every byte to one char and back (versions are ASCII, so edits stay exact).
/// </summary>
public sealed class TextFileContent
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private TextFileContent(string path, byte[] bytes, Encoding encoding, int preambleLength, string text)
    {
        Path = path;
        Bytes = bytes;
        Encoding = encoding;
        PreambleLength = preambleLength;
        Text = text;
    }

    public string Path { get; }
    public byte[] Bytes { get; }
    public Encoding Encoding { get; }
    public int PreambleLength { get; }
    public string Text { get; }

    /// <summary>A short name for the encoding as found ("utf-8", "utf-8 BOM", "utf-16le BOM", "latin-1").</summary>
    public string EncodingName => (Encoding.WebName, PreambleLength) switch
    {
        ("utf-8", 0) => "utf-8",
        ("utf-8", _) => "utf-8 BOM",
        ("utf-16", _) => "utf-16le BOM",
        ("utf-16BE", _) => "utf-16be BOM",
        ("utf-32", _) => "utf-32le BOM",
        ("iso-8859-1", _) => "latin-1",
        var (n, _) => n,
    };

    public static TextFileContent Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound,
                "the version file to exist", $"no file at {path}",
                "Create the file or remove it from the configured files", path);
        }
        catch (DirectoryNotFoundException)
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound,
                "the version file to exist", $"no directory for {path}",
                "Create the file or remove it from the configured files", path);
        }
        return Decode(path, bytes);
    }

    public static TextFileContent Decode(string path, byte[] bytes)
    {
        Encoding encoding;
        int preamble;
        if (StartsWith(bytes, 0xEF, 0xBB, 0xBF))
        {
            encoding = new UTF8Encoding(false, true);
            preamble = 3;
        }
        else if (StartsWith(bytes, 0xFF, 0xFE, 0x00, 0x00))
        {
            encoding = new UTF32Encoding(bigEndian: false, byteOrderMark: false, throwOnInvalidCharacters: true);
            preamble = 4;
        }
        else if (StartsWith(bytes, 0xFF, 0xFE))
        {
            encoding = new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
            preamble = 2;
        }
        else if (StartsWith(bytes, 0xFE, 0xFF))
        {
            encoding = new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);
            preamble = 2;
        }
        else
        {
            encoding = StrictUtf8;
            preamble = 0;
        }

        string text;
        try
        {
            text = encoding.GetString(bytes, preamble, bytes.Length - preamble);
        }
        catch (DecoderFallbackException) when (preamble == 0)
        {
            encoding = Encoding.Latin1;
            text = encoding.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new X0Exception(ErrorIds.FileEncodingUnsupported, X0ErrorCategory.InvalidData,
                $"text in the encoding its byte-order mark announces", $"invalid bytes in {path}",
                "Fix the file's encoding; nothing was changed", path, ex);
        }

        var content = new TextFileContent(path, bytes, encoding, preamble, text);
        // The promise is byte-faithfulness; prove it before anyone edits.
        if (!content.Encode(text).AsSpan().SequenceEqual(bytes))
        {
            throw new X0Exception(ErrorIds.FileEncodingUnsupported, X0ErrorCategory.InvalidData,
                "a file whose bytes survive decoding and re-encoding unchanged",
                $"{path} does not round-trip as {content.EncodingName}",
                "Convert the file to UTF-8 (or UTF-16 with a BOM); nothing was changed", path);
        }
        return content;
    }

    /// <summary>The bytes of <paramref name="newText"/> in this file's encoding, with its BOM if it had one.</summary>
    public byte[] Encode(string newText)
    {
        var body = Encoding.GetBytes(newText);
        if (PreambleLength == 0)
        {
            return body;
        }
        var result = new byte[PreambleLength + body.Length];
        Array.Copy(Bytes, result, PreambleLength);
        Array.Copy(body, 0, result, PreambleLength, body.Length);
        return result;
    }

    private static bool StartsWith(byte[] bytes, params byte[] prefix) =>
        bytes.Length >= prefix.Length && bytes.AsSpan(0, prefix.Length).SequenceEqual(prefix);
}

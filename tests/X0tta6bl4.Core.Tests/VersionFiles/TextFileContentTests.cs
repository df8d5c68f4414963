using System.Text;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.VersionFiles;

namespace X0tta6bl4.Core.Tests.VersionFiles;

public class TextFileContentTests
{
    public static TheoryData<string, byte[]> RoundTrips => new()
    {
        { "utf-8", Encoding.UTF8.GetBytes("a = \"1\"\r\nb\nc\r") },
        { "utf-8 BOM", new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("x\r\ny")).ToArray() },
        { "utf-16le BOM", new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes("x = 'ü'\r\n")).ToArray() },
        { "utf-16be BOM", new byte[] { 0xFE, 0xFF }.Concat(Encoding.BigEndianUnicode.GetBytes("x\n")).ToArray() },
        { "latin-1", new byte[] { (byte)'v', (byte)'=', 0xE9, (byte)'\n' } },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Unchanged_text_encodes_to_the_same_bytes(string encodingName, byte[] bytes)
    {
        var content = TextFileContent.Decode("/x/f", bytes);
        Assert.Equal(encodingName, content.EncodingName);
        Assert.Equal(bytes, content.Encode(content.Text));
    }

    [Fact]
    public void Invalid_bytes_after_a_bom_are_refused()
    {
        var bytes = new byte[] { 0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00 }; // lone high surrogate
        Assert.Equal(ErrorIds.FileEncodingUnsupported, Assert.Throws<X0Exception>(() => TextFileContent.Decode("/x/f", bytes)).ErrorId);
    }
}

using System.Text;

namespace X0tta6bl4.Core.Containers.BuildKit.Http2;

/// <summary>A header block that breaks RFC 7541: the connection cannot go on (COMPRESSION_ERROR).</summary>
public sealed class HpackException(string message) : Exception(message);

/// <summary>One header field, names lower-case as HTTP/2 requires.</summary>
public readonly record struct HeaderField(string Name, string Value)
{
    /// <summary>RFC 7541 4.1: the size an entry takes in the dynamic table.</summary>
    public int Size => Encoding.UTF8.GetByteCount(Name) + Encoding.UTF8.GetByteCount(Value) + 32;
}

/// <summary>The static table of RFC 7541 Appendix A (index 1..61).</summary>
public static class HpackStaticTable
{
    public static readonly HeaderField[] Entries =
    {
        new(":authority", ""), new(":method", "GET"), new(":method", "POST"), new(":path", "/"), new(":path", "/index.html"),
        new(":scheme", "http"), new(":scheme", "https"), new(":status", "200"), new(":status", "204"), new(":status", "206"),
        new(":status", "304"), new(":status", "400"), new(":status", "404"), new(":status", "500"), new("accept-charset", ""),
        new("accept-encoding", "gzip, deflate"), new("accept-language", ""), new("accept-ranges", ""), new("accept", ""),
        new("access-control-allow-origin", ""), new("age", ""), new("allow", ""), new("authorization", ""),
        new("cache-control", ""), new("content-disposition", ""), new("content-encoding", ""), new("content-language", ""),
        new("content-length", ""), new("content-location", ""), new("content-range", ""), new("content-type", ""),
        new("cookie", ""), new("date", ""), new("etag", ""), new("expect", ""), new("expires", ""), new("from", ""),
        new("host", ""), new("if-match", ""), new("if-modified-since", ""), new("if-none-match", ""), new("if-range", ""),
        new("if-unmodified-since", ""), new("last-modified", ""), new("link", ""), new("location", ""),
        new("max-forwards", ""), new("proxy-authenticate", ""), new("proxy-authorization", ""), new("range", ""),
        new("referer", ""), new("refresh", ""), new("retry-after", ""), new("server", ""), new("set-cookie", ""),
        new("strict-transport-security", ""), new("transfer-encoding", ""), new("user-agent", ""), new("vary", ""),
        new("via", ""), new("www-authenticate", ""),
    };
}

/// <summary>
/// HPACK header block decoding (RFC 7541): indexed fields, literals with and without indexing and
/// never indexed, dynamic table size updates, Huffman-coded strings. One decoder per connection
/// direction: its dynamic table carries over from block to block.
/// </summary>
public sealed class HpackDecoder
{
    private readonly LinkedList<HeaderField> _dynamic = new();   // newest first
    private readonly int _maxAllowedSize;
    private int _maxSize;
    private int _size;

    /// <param name="maxTableSize">SETTINGS_HEADER_TABLE_SIZE we announced (4096 by default).</param>
    public HpackDecoder(int maxTableSize = 4096)
    {
        _maxAllowedSize = maxTableSize;
        _maxSize = maxTableSize;
    }

    public int DynamicTableSize => _size;
    public int DynamicTableCount => _dynamic.Count;

    /// <exception cref="HpackException">The block is malformed.</exception>
    public List<HeaderField> Decode(ReadOnlySpan<byte> block)
    {
        var fields = new List<HeaderField>();
        var pos = 0;
        var fieldSeen = false;
        while (pos < block.Length)
        {
            var b = block[pos];
            if ((b & 0x80) != 0)
            {
                fields.Add(Lookup(ReadInteger(block, ref pos, 7)));
                fieldSeen = true;
            }
            else if ((b & 0xc0) == 0x40)
            {
                var field = ReadLiteral(block, ref pos, 6);
                Insert(field);
                fields.Add(field);
                fieldSeen = true;
            }
            else if ((b & 0xe0) == 0x20)
            {
                // RFC 7541 4.2: a size update may only open a header block.
                if (fieldSeen) throw new HpackException("dynamic table size update after a header field");
                var size = ReadInteger(block, ref pos, 5);
                if (size > _maxAllowedSize) throw new HpackException($"dynamic table size {size} above the announced {_maxAllowedSize}");
                _maxSize = size;
                Evict();
            }
            else
            {
                // 0000xxxx without indexing, 0001xxxx never indexed: the same for a decoder.
                fields.Add(ReadLiteral(block, ref pos, 4));
                fieldSeen = true;
            }
        }
        return fields;
    }

    private HeaderField ReadLiteral(ReadOnlySpan<byte> block, ref int pos, int prefixBits)
    {
        var index = ReadInteger(block, ref pos, prefixBits);
        var name = index == 0 ? ReadString(block, ref pos) : Lookup(index).Name;
        var value = ReadString(block, ref pos);
        return new HeaderField(name, value);
    }

    private HeaderField Lookup(int index)
    {
        if (index <= 0) throw new HpackException("header index 0");
        if (index <= HpackStaticTable.Entries.Length) return HpackStaticTable.Entries[index - 1];
        var dynamicIndex = index - HpackStaticTable.Entries.Length - 1;
        if (dynamicIndex >= _dynamic.Count) throw new HpackException($"header index {index} beyond the tables");
        return _dynamic.ElementAt(dynamicIndex);
    }

    private void Insert(HeaderField field)
    {
        // An entry larger than the table empties it and is not added (RFC 7541 4.4).
        _dynamic.AddFirst(field);
        _size += field.Size;
        Evict();
    }

    private void Evict()
    {
        while (_size > _maxSize && _dynamic.Last is { } oldest)
        {
            _size -= oldest.Value.Size;
            _dynamic.RemoveLast();
        }
    }

    /// <summary>RFC 7541 5.1: an N-bit prefix integer.</summary>
    public static int ReadInteger(ReadOnlySpan<byte> block, ref int pos, int prefixBits)
    {
        var max = (1 << prefixBits) - 1;
        long value = block[pos++] & max;
        if (value < max) return (int)value;
        var shift = 0;
        while (true)
        {
            if (pos >= block.Length) throw new HpackException("truncated integer");
            var b = block[pos++];
            value += (long)(b & 0x7f) << shift;
            if (value > int.MaxValue) throw new HpackException("integer overflow");
            if ((b & 0x80) == 0) return (int)value;
            shift += 7;
        }
    }

    private static string ReadString(ReadOnlySpan<byte> block, ref int pos)
    {
        if (pos >= block.Length) throw new HpackException("truncated string");
        var huffman = (block[pos] & 0x80) != 0;
        var length = ReadInteger(block, ref pos, 7);
        if (length > block.Length - pos) throw new HpackException("string longer than the block");
        var raw = block.Slice(pos, length);
        pos += length;
        return Encoding.UTF8.GetString(huffman ? HpackHuffman.Decode(raw) : raw);
    }
}

/// <summary>
/// HPACK encoding of the few headers a gRPC server answers with: literal fields without indexing
/// (name by static index where there is one), strings Huffman-coded when shorter. Stateless: it never
/// touches the peer's dynamic table.
/// </summary>
public static class HpackEncoder
{
    public static byte[] Encode(IEnumerable<HeaderField> fields)
    {
        var output = new List<byte>();
        foreach (var field in fields)
        {
            var nameIndex = Array.FindIndex(HpackStaticTable.Entries, e => e.Name == field.Name) + 1;
            var full = Array.FindIndex(HpackStaticTable.Entries, e => e.Name == field.Name && e.Value == field.Value) + 1;
            if (full > 0)
            {
                WriteInteger(output, full, 7, 0x80);
                continue;
            }
            WriteInteger(output, nameIndex, 4, 0x00);
            if (nameIndex == 0) WriteString(output, field.Name);
            WriteString(output, field.Value);
        }
        return output.ToArray();
    }

    public static void WriteInteger(List<byte> output, int value, int prefixBits, byte flags)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            output.Add((byte)(flags | value));
            return;
        }
        output.Add((byte)(flags | max));
        value -= max;
        while (value >= 0x80)
        {
            output.Add((byte)(value % 0x80 + 0x80));
            value /= 0x80;
        }
        output.Add((byte)value);
    }

    private static void WriteString(List<byte> output, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (HpackHuffman.EncodedLength(bytes) < bytes.Length)
        {
            var coded = HpackHuffman.Encode(bytes);
            WriteInteger(output, coded.Length, 7, 0x80);
            output.AddRange(coded);
        }
        else
        {
            WriteInteger(output, bytes.Length, 7, 0x00);
            output.AddRange(bytes);
        }
    }
}

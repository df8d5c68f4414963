namespace X0tta6bl4.Core.Containers.BuildKit.Http2;

/// <summary>
/// The static Huffman code of HPACK (RFC 7541, Appendix B). Go's HTTP/2 stack Huffman-encodes header
/// strings whenever that is shorter, so every header the engine sends may arrive in this form.
/// </summary>
public static class HpackHuffman
{
    private const uint EndOfString = 0x3fffffff;

    // Code of symbol i (right-aligned) and its length in bits.
    private static readonly uint[] Codes =
    {
        0x1ff8, 0x7fffd8, 0xfffffe2, 0xfffffe3, 0xfffffe4, 0xfffffe5, 0xfffffe6, 0xfffffe7,
        0xfffffe8, 0xffffea, 0x3ffffffc, 0xfffffe9, 0xfffffea, 0x3ffffffd, 0xfffffeb, 0xfffffec,
        0xfffffed, 0xfffffee, 0xfffffef, 0xffffff0, 0xffffff1, 0xffffff2, 0x3ffffffe, 0xffffff3,
        0xffffff4, 0xffffff5, 0xffffff6, 0xffffff7, 0xffffff8, 0xffffff9, 0xffffffa, 0xffffffb,
        0x14, 0x3f8, 0x3f9, 0xffa, 0x1ff9, 0x15, 0xf8, 0x7fa,
        0x3fa, 0x3fb, 0xf9, 0x7fb, 0xfa, 0x16, 0x17, 0x18,
        0x0, 0x1, 0x2, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
        0x1e, 0x1f, 0x5c, 0xfb, 0x7ffc, 0x20, 0xffb, 0x3fc,
        0x1ffa, 0x21, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62,
        0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a,
        0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72,
        0xfc, 0x73, 0xfd, 0x1ffb, 0x7fff0, 0x1ffc, 0x3ffc, 0x22,
        0x7ffd, 0x3, 0x23, 0x4, 0x24, 0x5, 0x25, 0x26,
        0x27, 0x6, 0x74, 0x75, 0x28, 0x29, 0x2a, 0x7,
        0x2b, 0x76, 0x2c, 0x8, 0x9, 0x2d, 0x77, 0x78,
        0x79, 0x7a, 0x7b, 0x7ffe, 0x7fc, 0x3ffd, 0x1ffd, 0xffffffc,
        0xfffe6, 0x3fffd2, 0xfffe7, 0xfffe8, 0x3fffd3, 0x3fffd4, 0x3fffd5, 0x7fffd9,
        0x3fffd6, 0x7fffda, 0x7fffdb, 0x7fffdc, 0x7fffdd, 0x7fffde, 0xffffeb, 0x7fffdf,
        0xffffec, 0xffffed, 0x3fffd7, 0x7fffe0, 0xffffee, 0x7fffe1, 0x7fffe2, 0x7fffe3,
        0x7fffe4, 0x1fffdc, 0x3fffd8, 0x7fffe5, 0x3fffd9, 0x7fffe6, 0x7fffe7, 0xffffef,
        0x3fffda, 0x1fffdd, 0xfffe9, 0x3fffdb, 0x3fffdc, 0x7fffe8, 0x7fffe9, 0x1fffde,
        0x7fffea, 0x3fffdd, 0x3fffde, 0xfffff0, 0x1fffdf, 0x3fffdf, 0x7fffeb, 0x7fffec,
        0x1fffe0, 0x1fffe1, 0x3fffe0, 0x1fffe2, 0x7fffed, 0x3fffe1, 0x7fffee, 0x7fffef,
        0xfffea, 0x3fffe2, 0x3fffe3, 0x3fffe4, 0x7ffff0, 0x3fffe5, 0x3fffe6, 0x7ffff1,
        0x3ffffe0, 0x3ffffe1, 0xfffeb, 0x7fff1, 0x3fffe7, 0x7ffff2, 0x3fffe8, 0x1ffffec,
        0x3ffffe2, 0x3ffffe3, 0x3ffffe4, 0x7ffffde, 0x7ffffdf, 0x3ffffe5, 0xfffff1, 0x1ffffed,
        0x7fff2, 0x1fffe3, 0x3ffffe6, 0x7ffffe0, 0x7ffffe1, 0x3ffffe7, 0x7ffffe2, 0xfffff2,
        0x1fffe4, 0x1fffe5, 0x3ffffe8, 0x3ffffe9, 0xffffffd, 0x7ffffe3, 0x7ffffe4, 0x7ffffe5,
        0xfffec, 0xfffff3, 0xfffed, 0x1fffe6, 0x3fffe9, 0x1fffe7, 0x1fffe8, 0x7ffff3,
        0x3fffea, 0x3fffeb, 0x1ffffee, 0x1ffffef, 0xfffff4, 0xfffff5, 0x3ffffea, 0x7ffff4,
        0x3ffffeb, 0x7ffffe6, 0x3ffffec, 0x3ffffed, 0x7ffffe7, 0x7ffffe8, 0x7ffffe9, 0x7ffffea,
        0x7ffffeb, 0xffffffe, 0x7ffffec, 0x7ffffed, 0x7ffffee, 0x7ffffef, 0x7fffff0, 0x3ffffee,
    };

    private static readonly byte[] Lengths =
    {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
    };

    private static readonly Node Root = BuildTree();

    /// <summary>Decodes a Huffman-coded string literal.</summary>
    /// <exception cref="HpackException">Padding longer than 7 bits, padding that is not all ones, or the EOS symbol.</exception>
    public static byte[] Decode(ReadOnlySpan<byte> encoded)
    {
        var output = new List<byte>(encoded.Length * 8 / 5);
        var node = Root;
        var depth = 0;        // bits consumed since the last complete symbol
        var allOnes = true;   // padding must be the most significant bits of EOS
        foreach (var b in encoded)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                var one = ((b >> bit) & 1) == 1;
                node = (one ? node.One : node.Zero) ?? throw new HpackException("invalid Huffman code");
                depth++;
                allOnes &= one;
                if (node.Symbol < 0) continue;
                if (node.Symbol == 256) throw new HpackException("the EOS symbol inside a Huffman-coded string");
                output.Add((byte)node.Symbol);
                node = Root;
                depth = 0;
                allOnes = true;
            }
        }
        if (depth > 7 || !allOnes) throw new HpackException("invalid Huffman padding");
        return output.ToArray();
    }

    /// <summary>The encoded length in bytes, to choose between Huffman and raw octets.</summary>
    public static int EncodedLength(ReadOnlySpan<byte> text)
    {
        long bits = 0;
        foreach (var b in text) bits += Lengths[b];
        return (int)((bits + 7) / 8);
    }

    public static byte[] Encode(ReadOnlySpan<byte> text)
    {
        var output = new byte[EncodedLength(text)];
        ulong buffer = 0;
        var pending = 0;
        var index = 0;
        foreach (var b in text)
        {
            buffer = (buffer << Lengths[b]) | Codes[b];
            pending += Lengths[b];
            while (pending >= 8)
            {
                pending -= 8;
                output[index++] = (byte)(buffer >> pending);
            }
        }
        if (pending > 0)
        {
            // Pad with the most significant bits of EOS (all ones).
            output[index] = (byte)((buffer << (8 - pending)) | (0xffu >> pending));
        }
        return output;
    }

    private static Node BuildTree()
    {
        var root = new Node();
        for (var symbol = 0; symbol <= 256; symbol++)
        {
            var (code, length) = symbol == 256 ? (EndOfString, 30) : (Codes[symbol], (int)Lengths[symbol]);
            var node = root;
            for (var bit = length - 1; bit >= 0; bit--)
            {
                if (((code >> bit) & 1) == 1) node = node.One ??= new Node();
                else node = node.Zero ??= new Node();
            }
            node.Symbol = symbol;
        }
        return root;
    }

    private sealed class Node
    {
        public Node? Zero;
        public Node? One;
        public int Symbol = -1;
    }
}

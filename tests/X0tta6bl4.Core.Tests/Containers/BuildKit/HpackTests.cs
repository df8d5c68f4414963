using System.Text;
using X0tta6bl4.Core.Containers.BuildKit.Http2;

namespace X0tta6bl4.Core.Tests.Containers.BuildKit;

/// <summary>HPACK against the examples of RFC 7541 Appendix C, and the round trips our encoder needs.</summary>
public sealed class HpackTests
{
    private static byte[] Hex(string text) => Convert.FromHexString(string.Concat(text.Where(Uri.IsHexDigit)));

    private static string[] Pairs(IEnumerable<HeaderField> fields) => fields.Select(f => $"{f.Name}: {f.Value}").ToArray();

    [Theory]
    [InlineData("0a", 5, 10)]          // C.1.1
    [InlineData("1f9a0a", 5, 1337)]    // C.1.2
    [InlineData("2a", 8, 42)]          // C.1.3
    public void integers_decode_and_encode_as_in_c_1(string hex, int prefix, int value)
    {
        var pos = 0;
        Assert.Equal(value, HpackDecoder.ReadInteger(Hex(hex), ref pos, prefix));
        var output = new List<byte>();
        HpackEncoder.WriteInteger(output, value, prefix, 0);
        Assert.Equal(Hex(hex), output.ToArray());
    }

    [Fact]
    public void c_2_literals_with_indexing_without_and_never_indexed()
    {
        var decoder = new HpackDecoder();
        Assert.Equal(new[] { "custom-key: custom-header" }, Pairs(decoder.Decode(Hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"))));
        Assert.Equal(55, decoder.DynamicTableSize);
        Assert.Equal(new[] { ":path: /sample/path" }, Pairs(decoder.Decode(Hex("040c 2f73 616d 706c 652f 7061 7468"))));
        Assert.Equal(new[] { "password: secret" }, Pairs(decoder.Decode(Hex("1008 7061 7373 776f 7264 0673 6563 7265 74"))));
        Assert.Equal(1, decoder.DynamicTableCount);
    }

    [Fact]
    public void c_3_requests_without_huffman_share_one_dynamic_table()
    {
        var decoder = new HpackDecoder();
        Assert.Equal(new[] { ":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com" },
            Pairs(decoder.Decode(Hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"))));
        Assert.Equal(57, decoder.DynamicTableSize);
        Assert.Equal(new[] { ":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com", "cache-control: no-cache" },
            Pairs(decoder.Decode(Hex("8286 84be 5808 6e6f 2d63 6163 6865"))));
        Assert.Equal(110, decoder.DynamicTableSize);
        Assert.Equal(new[] { ":method: GET", ":scheme: https", ":path: /index.html", ":authority: www.example.com", "custom-key: custom-value" },
            Pairs(decoder.Decode(Hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"))));
        Assert.Equal(164, decoder.DynamicTableSize);
    }

    [Fact]
    public void c_4_requests_with_huffman()
    {
        var decoder = new HpackDecoder();
        Assert.Equal(":authority: www.example.com", Pairs(decoder.Decode(Hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff")))[3]);
        Assert.Equal("cache-control: no-cache", Pairs(decoder.Decode(Hex("8286 84be 5886 a8eb 1064 9cbf")))[4]);
        Assert.Equal(new[] { ":method: GET", ":scheme: https", ":path: /index.html", ":authority: www.example.com", "custom-key: custom-value" },
            Pairs(decoder.Decode(Hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"))));
        Assert.Equal(164, decoder.DynamicTableSize);
    }

    [Fact]
    public void c_6_responses_with_huffman_evict_from_a_256_byte_table()
    {
        var decoder = new HpackDecoder(256);
        Assert.Equal(new[] { ":status: 302", "cache-control: private", "date: Mon, 21 Oct 2013 20:13:21 GMT", "location: https://www.example.com" },
            Pairs(decoder.Decode(Hex("""
                4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
                2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3
                """))));
        Assert.Equal(222, decoder.DynamicTableSize);
        Assert.Equal(new[] { ":status: 307", "cache-control: private", "date: Mon, 21 Oct 2013 20:13:21 GMT", "location: https://www.example.com" },
            Pairs(decoder.Decode(Hex("4883 640e ffc1 c0bf"))));
        Assert.Equal(222, decoder.DynamicTableSize);
        Assert.Equal(new[]
            {
                ":status: 200", "cache-control: private", "date: Mon, 21 Oct 2013 20:13:22 GMT", "location: https://www.example.com",
                "content-encoding: gzip", "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
            },
            Pairs(decoder.Decode(Hex("""
                88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
                77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
                9587 3160 65c0 03ed 4ee5 b106 3d50 07
                """))));
        Assert.Equal(215, decoder.DynamicTableSize);
        Assert.Equal(3, decoder.DynamicTableCount);
    }

    [Theory]
    [InlineData("www.example.com", "f1e3c2e5f23a6ba0ab90f4ff")]
    [InlineData("no-cache", "a8eb10649cbf")]
    [InlineData("custom-key", "25a849e95ba97d7f")]
    public void huffman_codes_as_in_the_rfc(string text, string hex)
    {
        Assert.Equal(Convert.FromHexString(hex), HpackHuffman.Encode(Encoding.ASCII.GetBytes(text)));
        Assert.Equal(text, Encoding.ASCII.GetString(HpackHuffman.Decode(Convert.FromHexString(hex))));
    }

    [Fact]
    public void every_byte_value_round_trips_through_huffman()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        Assert.Equal(all, HpackHuffman.Decode(HpackHuffman.Encode(all)));
    }

    [Theory]
    [InlineData("ff")]          // 8 bits of padding
    [InlineData("fe")]          // padding that is not all ones ('0' is 00000, then 110)
    public void bad_huffman_padding_is_a_compression_error(string hex) =>
        Assert.Throws<HpackException>(() => HpackHuffman.Decode(Convert.FromHexString(hex)));

    [Fact]
    public void a_size_update_above_the_announced_limit_and_an_index_beyond_the_tables_are_refused()
    {
        Assert.Throws<HpackException>(() => new HpackDecoder(4096).Decode(Hex("3fe1 3f")));   // size update to 8192
        Assert.Throws<HpackException>(() => new HpackDecoder().Decode(Hex("be")));             // index 62, empty dynamic table
        Assert.Throws<HpackException>(() => new HpackDecoder().Decode(Hex("400a 6375")));      // truncated string
    }

    [Fact]
    public void what_the_encoder_writes_the_decoder_reads_back()
    {
        var fields = new[]
        {
            new HeaderField(":status", "200"), new HeaderField("content-type", "application/grpc"),
            new HeaderField("grpc-status", "5"), new HeaderField("grpc-message", "secret token not found: %E2%9C%93"),
        };
        Assert.Equal(Pairs(fields), Pairs(new HpackDecoder().Decode(HpackEncoder.Encode(fields))));
    }
}

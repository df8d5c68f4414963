using System.Formats.Tar;
using System.Text;
using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Diagnostics;

using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Containers;

public sealed class BuildContextTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "x0-ctx-" + Guid.NewGuid().ToString("N")[..8]);

    public BuildContextTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private void Write(string relative, string text = "x")
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private List<string> Names(BuildContext c) => c.Walk().Select(e => e.Name).ToList();

    private static async Task<List<TarEntry>> ReadTar(BuildContext context)
    {
        var ms = new MemoryStream();
        await using (var s = context.OpenTarStream(cancellation: TestContext.Current.CancellationToken))
        {
            await s.CopyToAsync(ms, TestContext.Current.CancellationToken);
        }
        ms.Position = 0;
        var list = new List<TarEntry>();
        using var reader = new TarReader(ms);
        while (reader.GetNextEntry(copyData: true) is { } e) list.Add(e);
        return list;
    }

    [Fact]
    public void walks_in_lexical_order_and_applies_dockerignore()
    {
        Write("Dockerfile", "FROM scratch");
        Write("b.txt");
        Write("a/z.txt");
        Write("a/y.log");
        Write("node_modules/m/index.js");
        Write(".dockerignore", "# deps\nnode_modules\n**/*.log\n");
        var c = BuildContext.Open(_dir);
        Assert.Equal(new[] { ".dockerignore", "Dockerfile", "a", "a/z.txt", "b.txt" }, Names(c));
    }

    [Fact]
    public void always_sends_the_dockerfile_and_dockerignore_even_when_excluded()
    {
        Write("Dockerfile");
        Write("src/app.py");
        Write("README.md");
        Write(".dockerignore", "*\n!src\n");
        var c = BuildContext.Open(_dir);
        Assert.Equal(new[] { ".dockerignore", "Dockerfile", "src", "src/app.py" }, Names(c));
        Assert.Contains("!Dockerfile", c.Patterns);
        Assert.Contains("!.dockerignore", c.Patterns);
    }

    [Fact]
    public void an_excluded_directory_is_entered_only_when_an_exception_names_a_path_under_it()
    {
        Write("Dockerfile");
        Write("src/a.py");
        Write("src/sub/b.py");
        Write("src/sub/c.txt");
        Write("top.py");
        Write(".dockerignore", "*\n!src/**/*.py\n");
        // The CLI enters src (an exception starts with "src/") but not src/sub: "src/**/*.py" does not
        // start with "src/sub/", so src/sub/b.py stays out — verified against docker 20.10 and 28.
        Assert.Equal(new[] { ".dockerignore", "Dockerfile", "src/a.py" }, Names(BuildContext.Open(_dir)));

        // The CLI's quirk: "!**/*.py" does not start with "src/", so src is skipped whole.
        Write(".dockerignore", "*\n!**/*.py\n");
        Assert.Equal(new[] { ".dockerignore", "Dockerfile", "top.py" }, Names(BuildContext.Open(_dir)));
    }

    [Fact]
    public void a_dockerfile_elsewhere_is_sent_under_a_generated_name_listed_in_dockerignore()
    {
        Write("ctx/app.txt", "app");
        var outside = Path.Combine(_dir, "build", "prod.Dockerfile");
        Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
        File.WriteAllText(outside, "FROM scratch\nCOPY app.txt /\n");
        var c = BuildContext.Open(Path.Combine(_dir, "ctx"), outside);
        Assert.True(c.DockerfileOutsideContext);
        Assert.Matches("^\\.dockerfile\\.[0-9a-f]{20}$", c.DockerfileName);
    }

    [Fact]
    public async Task the_tar_carries_modes_links_long_names_and_content()
    {
        Write("Dockerfile", "FROM scratch");
        Write("bin/run.sh", "#!/bin/sh\necho hi\n");
        FileModes.Set(Path.Combine(_dir, "bin/run.sh"), "750");
        var longDir = string.Join('/', Enumerable.Repeat("deeply-nested-directory", 8));
        Write(longDir + "/" + new string('n', 120) + ".txt", "long");
        Write("ünïcödé.txt", "u");
        File.CreateSymbolicLink(Path.Combine(_dir, "link"), "bin/run.sh");

        var entries = await ReadTar(BuildContext.Open(_dir));
        var run = entries.Single(e => e.Name == "bin/run.sh");
        Assert.Equal(TarEntryType.RegularFile, run.EntryType);
        Assert.Equal(Convert.ToInt32("750", 8), (int)run.Mode);
        Assert.Equal(0, run.Uid);
        Assert.Equal("#!/bin/sh\necho hi\n", new StreamReader(run.DataStream!).ReadToEnd());
        var link = entries.Single(e => e.Name == "link");
        Assert.Equal(TarEntryType.SymbolicLink, link.EntryType);
        Assert.Equal("bin/run.sh", link.LinkName);
        var longEntry = entries.Single(e => e.Name.EndsWith(".txt", StringComparison.Ordinal) && e.Name.Length > 200);
        Assert.IsType<PaxTarEntry>(longEntry);
        Assert.Contains(entries, e => e.Name == "ünïcödé.txt" && e is PaxTarEntry);
        Assert.Contains(entries, e => e.Name == "bin/" && e.EntryType == TarEntryType.Directory);
        Assert.IsType<UstarTarEntry>(run);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("./../../x")]
    public void a_link_leaving_the_context_is_refused_with_the_fix(string target)
    {
        Write("Dockerfile");
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        File.CreateSymbolicLink(Path.Combine(_dir, "sub", "evil"), target);
        var c = BuildContext.Open(_dir);
        var ex = Assert.Throws<X0Exception>(() => c.Validate(TestContext.Current.CancellationToken));
        Assert.Equal(ErrorIds.BuildContextLinkEscapes, ex.ErrorId);
        Assert.Contains("sub/evil", ex.Message);
        Assert.Contains(".dockerignore", ex.Fix);
    }

    [Fact]
    public void an_escaping_link_that_dockerignore_excludes_is_fine_and_links_inside_are_kept()
    {
        Write("Dockerfile");
        Write("data/file.txt");
        File.CreateSymbolicLink(Path.Combine(_dir, "escape"), "../../outside");
        File.CreateSymbolicLink(Path.Combine(_dir, "data", "ok"), "../Dockerfile");
        Write(".dockerignore", "escape\n");
        var summary = BuildContext.Open(_dir).Validate(TestContext.Current.CancellationToken);
        Assert.Equal(1, summary.Links);
        Assert.Equal(3, summary.Files);
    }

    [Fact]
    public async Task a_producer_failure_surfaces_to_the_reader_instead_of_a_short_archive()
    {
        Write("Dockerfile");
        File.CreateSymbolicLink(Path.Combine(_dir, "zz-escape"), "/etc");
        var c = BuildContext.Open(_dir);
        await using var s = c.OpenTarStream(cancellation: TestContext.Current.CancellationToken);
        var ex = await Assert.ThrowsAsync<X0Exception>(() => s.CopyToAsync(Stream.Null, TestContext.Current.CancellationToken));
        Assert.Equal(ErrorIds.BuildContextLinkEscapes, ex.ErrorId);
    }

    [Fact]
    public void a_missing_dockerfile_or_context_is_named()
    {
        Assert.Equal(ErrorIds.DockerfileNotFound, Assert.Throws<X0Exception>(() => BuildContext.Open(_dir)).ErrorId);
        Assert.Equal(ErrorIds.PathNotFound, Assert.Throws<X0Exception>(() => BuildContext.Open(Path.Combine(_dir, "nope"))).ErrorId);
    }

    [Fact]
    public async Task streaming_a_large_context_keeps_memory_flat()
    {
        Write("Dockerfile");
        var big = Path.Combine(_dir, "big.bin");
        using (var f = File.Create(big))
        {
            f.SetLength(300L * 1024 * 1024);
        }
        var c = BuildContext.Open(_dir);
        GC.Collect();
        var before = GC.GetTotalMemory(true);
        long peak = 0;
        await using (var s = c.OpenTarStream(cancellation: TestContext.Current.CancellationToken))
        {
            var buffer = new byte[81920];
            long total = 0;
            int n;
            while ((n = await s.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
            {
                total += n;
                if (total % (16 * 1024 * 1024) < n) peak = Math.Max(peak, GC.GetTotalMemory(false) - before);
            }
            Assert.True(total > 300L * 1024 * 1024);
        }
        // The pipe holds about 1 MiB; anything near the file's size would mean buffering.
        Assert.True(peak < 64L * 1024 * 1024, $"managed memory grew by {peak / 1048576} MiB while streaming 300 MiB");
    }
}

using Semver;
using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.Containers;

public sealed class TagPolicyTests
{
    private const string Sha = "1a2b3c4d5e6f708192a3b4c5d6e7f80912345678";

    public static TheoryData<string, string, string?, string, bool> ActionsContexts => new()
    {
        // name, GITHUB_REF, target, expected tags, pushed
        { "push", "refs/tags/v3.2.0", null, "3.2.0 v3.2.0 3.2 3 latest sha-1a2b3c4", true },
        { "push", "refs/tags/v3.2.0", "prod", "prod-v3.2.0 prod-sha-1a2b3c4", true },
        { "push", "refs/tags/v3.3.0-rc.1", null, "3.3.0-rc.1 v3.3.0-rc.1 sha-1a2b3c4", true },
        { "push", "refs/tags/v3.3.0-rc.1", "prod", "prod-v3.3.0-rc.1 prod-sha-1a2b3c4", true },
        { "push", "refs/tags/v0.4.1", null, "0.4.1 v0.4.1 0.4 latest sha-1a2b3c4", true },
        { "push", "refs/heads/develop", null, "develop sha-1a2b3c4", true },
        { "push", "refs/heads/develop", "prod", "prod-develop prod-sha-1a2b3c4", true },
        { "push", "refs/heads/main", null, "edge sha-1a2b3c4", true },
        { "push", "refs/heads/feat/ml-anomaly", null, "feat-ml-anomaly sha-1a2b3c4", true },
        { "pull_request", "refs/pull/42/merge", null, "pr-42 sha-1a2b3c4", false },
        { "workflow_dispatch", "refs/heads/main", null, "edge sha-1a2b3c4", true },
        { "workflow_dispatch", "refs/tags/v3.2.0", null, "3.2.0 v3.2.0 3.2 3 latest sha-1a2b3c4", true },
        { "push", "refs/tags/nightly", null, "nightly sha-1a2b3c4", true },
        // Build metadata never becomes a pre-release-looking suffix (metadata-action's {{version}} drops it too).
        { "push", "refs/tags/v1.2.3+build.5", null, "1.2.3 v1.2.3 1.2 1 latest sha-1a2b3c4", true },
        { "push", "refs/tags/v1.2.3+build.5", "prod", "prod-v1.2.3 prod-sha-1a2b3c4", true },
        { "push", "refs/tags/v2.0.0-rc.1+exp.sha.5114f85", null, "2.0.0-rc.1 v2.0.0-rc.1 sha-1a2b3c4", true },
        // Each run of invalid characters becomes one '-'.
        { "push", "refs/heads/renovate/@types/node", null, "renovate-types-node sha-1a2b3c4", true },
        // A branch called latest does not get latest.
        { "push", "refs/heads/latest", null, "sha-1a2b3c4", true },
        { "push", "refs/tags/latest", null, "sha-1a2b3c4", true },
    };

    [Theory]
    [MemberData(nameof(ActionsContexts))]
    public void tags_follow_the_version_and_the_github_context(string eventName, string gitRef, string? target, string expected, bool pushed)
    {
        var payload = Path.GetTempFileName();
        File.WriteAllText(payload, """{"repository":{"default_branch":"main"},"pull_request":{"number":42}}""");
        try
        {
            var env = new Dictionary<string, string?>
            {
                ["GITHUB_ACTIONS"] = "true",
                ["GITHUB_REF"] = gitRef,
                ["GITHUB_EVENT_NAME"] = eventName,
                ["GITHUB_SHA"] = Sha,
                ["GITHUB_EVENT_PATH"] = eventName == "pull_request" ? payload : null,
                ["GITHUB_REPOSITORY"] = "X0tta6bl4/X0tta6bl4",
            };
            if (eventName != "pull_request")
            {
                File.WriteAllText(payload, """{"repository":{"default_branch":"main"}}""");
                env["GITHUB_EVENT_PATH"] = payload;
            }
            var source = ImageSourceReader.FromActions(env, new TagFormat("v{version}"));
            var plan = TagPolicy.Compute(source.Context with { Target = target }, new ImageTagRules());
            Assert.Equal(expected, string.Join(' ', plan.Names));
            Assert.Equal(pushed, plan.PushAllowed);
            Assert.Equal("X0tta6bl4/X0tta6bl4", source.Slug);
        }
        finally
        {
            File.Delete(payload);
        }
    }

    [Fact]
    public void the_default_branch_tag_is_configurable_including_latest_as_the_reference_pipeline_does()
    {
        var main = new ImageTagContext { Kind = GitRefKind.Branch, RefName = "main", DefaultBranch = "main", Sha = Sha };
        Assert.Equal(new[] { "latest", "sha-1a2b3c4" }, TagPolicy.Compute(main, new ImageTagRules { DefaultBranchTag = "latest" }).Names);
        Assert.Equal(new[] { "main", "sha-1a2b3c4" }, TagPolicy.Compute(main, new ImageTagRules { DefaultBranchTag = "{branch}" }).Names);
        Assert.Equal(new[] { "sha-1a2b3c4" }, TagPolicy.Compute(main, new ImageTagRules { DefaultBranchTag = "" }).Names);
    }

    [Fact]
    public void floating_and_latest_can_be_switched_off_and_pull_requests_pushed()
    {
        var release = new ImageTagContext { Kind = GitRefKind.Tag, Version = SemVersion.Parse("2.1.0"), Sha = Sha };
        Assert.Equal(new[] { "2.1.0", "v2.1.0", "sha-1a2b3c4" },
            TagPolicy.Compute(release, new ImageTagRules { FloatingMinor = false, FloatingMajor = false, Latest = false }).Names);
        var pr = new ImageTagContext { Kind = GitRefKind.PullRequest, PullRequest = 7, Sha = Sha };
        Assert.True(TagPolicy.Compute(pr, new ImageTagRules { PushPullRequests = true }).PushAllowed);
    }

    [Theory]
    [InlineData("schedule", "{}", "edge sha-1a2b3c4")]
    [InlineData("schedule", """{"repository":{"default_branch":"main"}}""", "edge sha-1a2b3c4")]
    [InlineData("issues", "{}", "edge sha-1a2b3c4")]
    [InlineData("push", "{}", "main sha-1a2b3c4")]
    public void a_schedule_run_without_a_repository_payload_is_on_the_default_branch(string eventName, string payload, string expected)
    {
        using var dir = new TempDirectory();
        var eventPath = dir.PathOf("event.json");
        File.WriteAllText(eventPath, payload);
        var env = new Dictionary<string, string?>
        {
            ["GITHUB_ACTIONS"] = "true", ["GITHUB_REF"] = "refs/heads/main", ["GITHUB_EVENT_NAME"] = eventName,
            ["GITHUB_SHA"] = Sha, ["GITHUB_EVENT_PATH"] = eventPath,
        };
        var context = ImageSourceReader.FromActions(env, new TagFormat("v{version}")).Context;
        var plan = TagPolicy.Compute(context, new ImageTagRules());
        Assert.Equal(expected, string.Join(' ', plan.Names));
        if (eventName == "schedule" && payload == "{}") Assert.Contains("schedule events run on the default branch", plan.Tags[0].Reason);
    }

    [Theory]
    [InlineData("renovate/@types/node", "renovate-types-node")]
    [InlineData("feat//double--slash", "feat-double--slash")]
    [InlineData("user/ümlaut branch", "user-mlaut-branch")]
    [InlineData("@scope/pkg", "scope-pkg")]
    public void each_run_of_invalid_characters_becomes_one_dash(string branch, string tag) =>
        Assert.Equal(tag, ImageRepository.SanitizeTag(branch));

    [Fact]
    public void a_branch_named_latest_never_gets_latest_and_the_plan_says_why()
    {
        foreach (var rules in new[] { new ImageTagRules(), new ImageTagRules { NamedBranches = new[] { "latest" } } })
        {
            var branch = new ImageTagContext { Kind = GitRefKind.Branch, RefName = "latest", DefaultBranch = "main", Sha = Sha };
            var plan = TagPolicy.Compute(branch, rules);
            Assert.Equal(new[] { "sha-1a2b3c4" }, plan.Names);
            var skipped = Assert.Single(plan.Skipped!);
            Assert.Equal("latest", skipped.Tag);
            Assert.Contains("kept for releases", skipped.Reason);
        }
        var noSha = new ImageTagContext { Kind = GitRefKind.Branch, RefName = "latest", DefaultBranch = "main" };
        var ex = Assert.Throws<X0Exception>(() => TagPolicy.Compute(noSha, new ImageTagRules()));
        Assert.Contains("kept for releases", ex.Found);
        // The default branch given latest on purpose keeps it.
        var main = new ImageTagContext { Kind = GitRefKind.Branch, RefName = "main", DefaultBranch = "main", Sha = Sha };
        Assert.Equal(new[] { "latest", "sha-1a2b3c4" }, TagPolicy.Compute(main, new ImageTagRules { DefaultBranchTag = "latest" }).Names);
    }

    [Theory]
    [InlineData("floating_tags = \"minor\"", "2.1.0 v2.1.0 2.1 latest")]
    [InlineData("floating_tags = [\"major\"]", "2.1.0 v2.1.0 2 latest")]
    [InlineData("floating_tags = false", "2.1.0 v2.1.0 latest")]
    [InlineData("floating_tags = true", "2.1.0 v2.1.0 2.1 2 latest")]
    [InlineData("version_tags = [\"{tag}\"]\nfloating_tags = \"minor\"\nlatest = false", "v2.1.0 2.1")]
    public void floating_tags_are_configurable_minor_only_or_major_only(string toml, string expected)
    {
        var release = new ImageTagContext { Kind = GitRefKind.Tag, Version = SemVersion.Parse("2.1.0") };
        Assert.Equal(expected, string.Join(' ', TagPolicy.Compute(release, Settings(toml).Rules).Names));
    }

    [Theory]
    [InlineData("floating_tags = \"patch\"", "floating_tags")]
    [InlineData("floating_tags = 2", "floating_tags")]
    [InlineData("version_tags = [\"stable\"]", "version_tags")]
    public void invalid_tag_settings_are_refused_naming_the_key(string toml, string key)
    {
        var ex = Assert.Throws<X0Exception>(() => Settings(toml));
        Assert.Equal(ErrorIds.ConfigInvalid, ex.ErrorId);
        Assert.Equal(key, ex.Target);
    }

    /// <summary>The reference pipeline's docker.yml tag set, from configuration alone.</summary>
    public static TheoryData<string, string, string?, string, bool> SeedContexts => new()
    {
        { "push", "refs/heads/develop", null, "develop", true },
        { "push", "refs/heads/main", null, "latest", true },
        { "push", "refs/tags/v3.2.0", null, "v3.2.0", true },
        { "push", "refs/tags/v3.2.0", "prod", "prod-v3.2.0", true },
        { "pull_request", "refs/pull/12/merge", null, "pr-12", false },
        { "pull_request", "refs/pull/12/merge", "prod", "prod-pr-12", false },
    };

    public const string SeedTagSettings = """
        default_branch_tag = "latest"
        named_branches = ["develop"]
        other_branches = false
        sha_tag = false
        floating_tags = false
        latest = false
        version_tags = ["{tag}"]
        """;

    [Theory]
    [MemberData(nameof(SeedContexts))]
    public void configuration_alone_expresses_the_reference_pipelines_tag_set(string eventName, string gitRef, string? target, string expected, bool pushed)
    {
        using var dir = new TempDirectory();
        var eventPath = dir.PathOf("event.json");
        File.WriteAllText(eventPath, """{"repository":{"default_branch":"main"},"pull_request":{"number":12}}""");
        var env = new Dictionary<string, string?>
        {
            ["GITHUB_ACTIONS"] = "true", ["GITHUB_REF"] = gitRef, ["GITHUB_EVENT_NAME"] = eventName, ["GITHUB_SHA"] = Sha, ["GITHUB_EVENT_PATH"] = eventPath,
        };
        var context = ImageSourceReader.FromActions(env, new TagFormat("v{version}")).Context with { Target = target };
        var plan = TagPolicy.Compute(context, Settings(SeedTagSettings).Rules);
        Assert.Equal(expected, string.Join(' ', plan.Names));
        Assert.Equal(pushed, plan.PushAllowed);
        // A feature branch gets no tag of its own under these rules: that is an explained error, not an empty push.
        var feature = context with { Kind = GitRefKind.Branch, RefName = "feat/x", Version = null, PullRequest = null };
        Assert.Equal(ErrorIds.ImageTagsEmpty, Assert.Throws<X0Exception>(() => TagPolicy.Compute(feature, Settings(SeedTagSettings).Rules)).ErrorId);
    }

    private static ImageSettings Settings(string imagesToml)
    {
        using var dir = new TempDirectory();
        dir.Write("x0tta6bl4.toml", "[images]\n" + imagesToml + "\n");
        return ImageSettings.From(X0tta6bl4.Core.Config.ConfigLoader.Load(dir.Root));
    }

    [Fact]
    public void an_empty_tag_set_is_an_error()
    {
        var detached = new ImageTagContext { Kind = GitRefKind.None };
        var ex = Assert.Throws<X0Exception>(() => TagPolicy.Compute(detached, new ImageTagRules()));
        Assert.Equal(ErrorIds.ImageTagsEmpty, ex.ErrorId);
        Assert.Contains("-Tag", ex.Fix);
    }

    [Fact]
    public void a_custom_tag_format_gives_the_v_tag_its_shape()
    {
        var release = new ImageTagContext { Kind = GitRefKind.Tag, Version = SemVersion.Parse("1.0.0"), Sha = null };
        Assert.Equal(new[] { "1.0.0", "release-1.0.0", "1.0", "1", "latest" },
            TagPolicy.Compute(release, new ImageTagRules { TagFormat = "release-{version}" }).Names);
    }

    [Theory]
    [InlineData("https://github.com/Owner/Repo.git", "Owner/Repo")]
    [InlineData("git@github.com:owner/repo.git", "owner/repo")]
    [InlineData("ssh://git@github.com/owner/my.repo", "owner/my.repo")]
    [InlineData("https://x-access-token:abc@github.com/o/r", "o/r")]
    [InlineData("/tmp/origin.git", null)]
    [InlineData("https://gitlab.com/o/r.git", null)]
    public void github_slugs_come_from_remote_urls(string url, string? slug) => Assert.Equal(slug, ImageSourceReader.GitHubSlug(url));
}

public sealed class ImageRepositoryTests
{
    [Theory]
    [InlineData("ghcr.io/owner/repo", "ghcr.io", "owner/repo", "ghcr.io/owner/repo")]
    [InlineData("127.0.0.1:5000/team/app", "127.0.0.1:5000", "team/app", "127.0.0.1:5000/team/app")]
    [InlineData("nginx", "docker.io", "library/nginx", "nginx")]
    [InlineData("user/app", "docker.io", "user/app", "user/app")]
    [InlineData("localhost/app", "localhost", "app", "localhost/app")]
    public void parses_like_docker(string name, string registry, string path, string display)
    {
        var r = ImageRepository.Parse(name);
        Assert.Equal(registry, r.Registry);
        Assert.Equal(path, r.Path);
        Assert.Equal(display, r.Name);
    }

    [Theory]
    [InlineData("ghcr.io/Owner/Repo")]
    [InlineData("ghcr.io/owner/repo:tag")]
    [InlineData("ghcr.io/owner/repo@sha256:00")]
    public void refuses_names_docker_refuses(string name) =>
        Assert.Equal(ErrorIds.ImageRepositoryUnknown, Assert.Throws<X0Exception>(() => ImageRepository.Parse(name)).ErrorId);

    [Fact]
    public void loopback_registries_are_plain_http()
    {
        Assert.True(ImageRepository.Parse("127.0.0.1:5000/a").IsLoopback);
        Assert.True(ImageRepository.Parse("localhost:5000/a").IsLoopback);
        Assert.False(ImageRepository.Parse("ghcr.io/a/b").IsLoopback);
    }

    [Theory]
    [InlineData("feat/x", "feat-x")]
    [InlineData("-lead", "lead")]
    [InlineData("ok_1.2-3", "ok_1.2-3")]
    public void branch_names_become_valid_tags(string branch, string tag) => Assert.Equal(tag, ImageRepository.SanitizeTag(branch));
}

public sealed class BaseImagesTests
{
    [Fact]
    public void finds_the_registries_of_base_images_with_arguments_substituted()
    {
        const string dockerfile = """
            # syntax is ignored
            ARG BASE_IMAGE=python:3.12-slim
            ARG TOOLS=ghcr.io/acme/tools:1
            FROM ${BASE_IMAGE} AS dev
            FROM --platform=linux/amd64 $TOOLS AS tools
            FROM registry.example.com:5000/team/base@sha256:0123 \
                AS prod
            FROM dev
            FROM scratch
            """;
        var registries = BaseImages.Repositories(dockerfile, new Dictionary<string, string> { ["BASE_IMAGE"] = "127.0.0.1:5000/x0/base:1" })
            .Select(r => r.Registry).ToList();
        Assert.Equal(new[] { "127.0.0.1:5000", "ghcr.io", "registry.example.com:5000" }, registries);
        Assert.Equal(new[] { "docker.io" }, BaseImages.Repositories(dockerfile.Replace("ghcr.io/acme/tools:1", "python:3").Replace("registry.example.com:5000/team/base@sha256:0123", "nginx"), new Dictionary<string, string>()).Select(r => r.Registry).Distinct());
    }
}

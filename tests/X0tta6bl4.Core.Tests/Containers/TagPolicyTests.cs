using Semver;
using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Diagnostics;
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
            TagPolicy.Compute(release, new ImageTagRules { FloatingTags = false, Latest = false }).Names);
        var pr = new ImageTagContext { Kind = GitRefKind.PullRequest, PullRequest = 7, Sha = Sha };
        Assert.True(TagPolicy.Compute(pr, new ImageTagRules { PushPullRequests = true }).PushAllowed);
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

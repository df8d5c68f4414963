using System.Globalization;
using System.Text.Json.Nodes;

namespace X0tta6bl4.StandIns.GitHub;

/// <summary>
/// The JSON shapes of GitHub's REST API (components/schemas of the OpenAPI description), built with
/// every required property so prism's response validation passes. Field names and formats follow
/// the published description; values are the stand-in's state.
/// </summary>
public static class GitHubJson
{
    public const string WebBase = "https://github.com";

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    public static string? Time(DateTimeOffset? t) => t is null ? null : Time(t.Value);

    public static JsonObject User(string api, string login)
    {
        var id = Math.Abs(login.GetHashCode(StringComparison.Ordinal)) % 1_000_000 + 1;
        return new JsonObject
        {
            ["login"] = login,
            ["id"] = id,
            ["node_id"] = "U_" + login,
            ["avatar_url"] = $"https://avatars.githubusercontent.com/u/{id}?v=4",
            ["gravatar_id"] = "",
            ["url"] = $"{api}/users/{login}",
            ["html_url"] = $"{WebBase}/{login}",
            ["followers_url"] = $"{api}/users/{login}/followers",
            ["following_url"] = $"{api}/users/{login}/following{{/other_user}}",
            ["gists_url"] = $"{api}/users/{login}/gists{{/gist_id}}",
            ["starred_url"] = $"{api}/users/{login}/starred{{/owner}}{{/repo}}",
            ["subscriptions_url"] = $"{api}/users/{login}/subscriptions",
            ["organizations_url"] = $"{api}/users/{login}/orgs",
            ["repos_url"] = $"{api}/users/{login}/repos",
            ["events_url"] = $"{api}/users/{login}/events{{/privacy}}",
            ["received_events_url"] = $"{api}/users/{login}/received_events",
            ["type"] = "User",
            ["site_admin"] = false,
        };
    }

    public static JsonObject MinimalRepository(string api, RepoState repo)
    {
        var u = $"{api}/repos/{repo.FullName}";
        return new JsonObject
        {
            ["id"] = repo.Id,
            ["node_id"] = "R_" + repo.Id.ToString(CultureInfo.InvariantCulture),
            ["name"] = repo.Name,
            ["full_name"] = repo.FullName,
            ["owner"] = User(api, repo.Owner),
            ["private"] = repo.Private,
            ["html_url"] = $"{WebBase}/{repo.FullName}",
            ["description"] = null,
            ["fork"] = false,
            ["url"] = u,
            ["archive_url"] = u + "/{archive_format}{/ref}",
            ["assignees_url"] = u + "/assignees{/user}",
            ["blobs_url"] = u + "/git/blobs{/sha}",
            ["branches_url"] = u + "/branches{/branch}",
            ["collaborators_url"] = u + "/collaborators{/collaborator}",
            ["comments_url"] = u + "/comments{/number}",
            ["commits_url"] = u + "/commits{/sha}",
            ["compare_url"] = u + "/compare/{base}...{head}",
            ["contents_url"] = u + "/contents/{+path}",
            ["contributors_url"] = u + "/contributors",
            ["deployments_url"] = u + "/deployments",
            ["downloads_url"] = u + "/downloads",
            ["events_url"] = u + "/events",
            ["forks_url"] = u + "/forks",
            ["git_commits_url"] = u + "/git/commits{/sha}",
            ["git_refs_url"] = u + "/git/refs{/sha}",
            ["git_tags_url"] = u + "/git/tags{/sha}",
            ["hooks_url"] = u + "/hooks",
            ["issue_comment_url"] = u + "/issues/comments{/number}",
            ["issue_events_url"] = u + "/issues/events{/number}",
            ["issues_url"] = u + "/issues{/number}",
            ["keys_url"] = u + "/keys{/key_id}",
            ["labels_url"] = u + "/labels{/name}",
            ["languages_url"] = u + "/languages",
            ["merges_url"] = u + "/merges",
            ["milestones_url"] = u + "/milestones{/number}",
            ["notifications_url"] = u + "/notifications{?since,all,participating}",
            ["pulls_url"] = u + "/pulls{/number}",
            ["releases_url"] = u + "/releases{/id}",
            ["stargazers_url"] = u + "/stargazers",
            ["statuses_url"] = u + "/statuses/{sha}",
            ["subscribers_url"] = u + "/subscribers",
            ["subscription_url"] = u + "/subscription",
            ["tags_url"] = u + "/tags",
            ["teams_url"] = u + "/teams",
            ["trees_url"] = u + "/git/trees{/sha}",
        };
    }

    public static JsonObject Workflow(string api, RepoState repo, WorkflowState w)
    {
        return new JsonObject
        {
            ["id"] = w.Id,
            ["node_id"] = "W_" + w.Id.ToString(CultureInfo.InvariantCulture),
            ["name"] = w.Name,
            ["path"] = w.Path,
            ["state"] = w.State,
            ["created_at"] = Time(w.CreatedAt),
            ["updated_at"] = Time(w.CreatedAt),
            ["url"] = $"{api}/repos/{repo.FullName}/actions/workflows/{w.Id}",
            ["html_url"] = $"{WebBase}/{repo.FullName}/blob/{repo.DefaultBranch}/{w.Path}",
            ["badge_url"] = $"{WebBase}/{repo.FullName}/workflows/{Uri.EscapeDataString(w.Name)}/badge.svg",
        };
    }

    public static JsonObject Run(string api, RepoState repo, RunState run, AttemptState attempt)
    {
        var u = $"{api}/repos/{repo.FullName}/actions/runs/{run.Id}";
        var repoJson = MinimalRepository(api, repo);
        return new JsonObject
        {
            ["id"] = run.Id,
            ["name"] = run.Workflow.Name,
            ["node_id"] = "WFR_" + run.Id.ToString(CultureInfo.InvariantCulture),
            ["check_suite_id"] = run.CheckSuiteId,
            ["check_suite_node_id"] = "CS_" + run.CheckSuiteId.ToString(CultureInfo.InvariantCulture),
            ["head_branch"] = run.Branch,
            ["head_sha"] = run.HeadSha,
            ["path"] = run.Workflow.Path,
            ["display_title"] = run.Title,
            ["run_number"] = run.RunNumber,
            ["event"] = run.Event,
            ["status"] = attempt.Status,
            ["conclusion"] = attempt.Conclusion,
            ["workflow_id"] = run.Workflow.Id,
            ["url"] = u,
            ["html_url"] = $"{WebBase}/{repo.FullName}/actions/runs/{run.Id}",
            ["pull_requests"] = new JsonArray(),
            ["created_at"] = Time(run.CreatedAt),
            ["updated_at"] = Time(attempt.UpdatedAt),
            ["actor"] = User(api, run.Actor),
            ["triggering_actor"] = User(api, run.Actor),
            ["run_attempt"] = attempt.Number,
            ["referenced_workflows"] = new JsonArray(),
            ["run_started_at"] = Time(attempt.StartedAt),
            ["jobs_url"] = u + "/jobs",
            ["logs_url"] = u + "/logs",
            ["check_suite_url"] = $"{api}/repos/{repo.FullName}/check-suites/{run.CheckSuiteId}",
            ["artifacts_url"] = u + "/artifacts",
            ["cancel_url"] = u + "/cancel",
            ["rerun_url"] = u + "/rerun",
            ["previous_attempt_url"] = attempt.Number > 1 ? $"{u}/attempts/{attempt.Number - 1}" : null,
            ["workflow_url"] = $"{api}/repos/{repo.FullName}/actions/workflows/{run.Workflow.Id}",
            ["head_commit"] = new JsonObject
            {
                ["id"] = run.HeadSha,
                ["tree_id"] = new string(run.HeadSha.Reverse().ToArray()),
                ["message"] = run.Title,
                ["timestamp"] = Time(run.CreatedAt),
                ["author"] = new JsonObject { ["name"] = run.Actor, ["email"] = run.Actor + "@users.noreply.github.com" },
                ["committer"] = new JsonObject { ["name"] = "GitHub", ["email"] = "noreply@github.com" },
            },
            ["repository"] = repoJson,
            ["head_repository"] = repoJson.DeepClone(),
        };
    }

    public static JsonObject Job(string api, RepoState repo, RunState run, AttemptState attempt, JobState job)
    {
        return new JsonObject
        {
            ["id"] = job.Id,
            ["run_id"] = run.Id,
            ["run_url"] = $"{api}/repos/{repo.FullName}/actions/runs/{run.Id}",
            ["run_attempt"] = attempt.Number,
            ["node_id"] = "CR_" + job.Id.ToString(CultureInfo.InvariantCulture),
            ["head_sha"] = run.HeadSha,
            ["url"] = $"{api}/repos/{repo.FullName}/actions/jobs/{job.Id}",
            ["html_url"] = $"{WebBase}/{repo.FullName}/actions/runs/{run.Id}/job/{job.Id}",
            ["status"] = job.Status,
            ["conclusion"] = job.Conclusion,
            ["created_at"] = Time(job.StartedAt),
            ["started_at"] = Time(job.StartedAt),
            ["completed_at"] = Time(job.CompletedAt),
            ["name"] = job.Name,
            ["steps"] = new JsonArray(job.Steps.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["status"] = s.Status,
                ["conclusion"] = s.Conclusion,
                ["number"] = s.Number,
                ["started_at"] = Time(s.StartedAt),
                ["completed_at"] = Time(s.CompletedAt),
            }).ToArray()),
            ["check_run_url"] = $"{api}/repos/{repo.FullName}/check-runs/{job.Id}",
            ["labels"] = new JsonArray(job.Labels.Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()),
            ["runner_id"] = 2,
            ["runner_name"] = job.RunnerName,
            ["runner_group_id"] = 2,
            ["runner_group_name"] = "GitHub Actions",
            ["workflow_name"] = run.Workflow.Name,
            ["head_branch"] = run.Branch,
        };
    }

    /// <summary>components/schemas/full-repository, with <c>permissions</c> for the caller when there is one.</summary>
    public static JsonObject FullRepository(string api, RepoState repo, JsonObject? permissions)
    {
        var json = MinimalRepository(api, repo);
        var created = Time(repo.CreatedAt);
        json["git_url"] = $"git://github.com/{repo.FullName}.git";
        json["ssh_url"] = $"git@github.com:{repo.FullName}.git";
        json["clone_url"] = $"{WebBase}/{repo.FullName}.git";
        json["svn_url"] = $"{WebBase}/{repo.FullName}";
        json["mirror_url"] = null;
        json["homepage"] = null;
        json["language"] = "Python";
        json["forks"] = 0;
        json["forks_count"] = 0;
        json["stargazers_count"] = 0;
        json["watchers"] = 0;
        json["watchers_count"] = 0;
        json["size"] = 128;
        json["default_branch"] = repo.DefaultBranch;
        json["open_issues"] = 0;
        json["open_issues_count"] = 0;
        json["is_template"] = false;
        json["topics"] = new JsonArray();
        json["has_issues"] = true;
        json["has_projects"] = true;
        json["has_wiki"] = true;
        json["has_pages"] = false;
        json["has_downloads"] = true;
        json["has_discussions"] = false;
        json["archived"] = false;
        json["disabled"] = false;
        json["visibility"] = repo.Private ? "private" : "public";
        json["pushed_at"] = created;
        json["created_at"] = created;
        json["updated_at"] = created;
        json["license"] = null;
        json["network_count"] = 0;
        json["subscribers_count"] = 0;
        if (permissions is not null) json["permissions"] = permissions;
        return json;
    }

    /// <summary>components/schemas/release. <paramref name="uploadBase"/> is where clients send assets (upload_url).</summary>
    public static JsonObject Release(string api, string uploadBase, RepoState repo, GitHubRelease r)
    {
        var u = $"{api}/repos/{repo.FullName}/releases/{r.Id}";
        return new JsonObject
        {
            ["url"] = u,
            ["html_url"] = $"{WebBase}/{repo.FullName}/releases/tag/{r.WebTag}",
            ["assets_url"] = u + "/assets",
            ["upload_url"] = $"{uploadBase}/repos/{repo.FullName}/releases/{r.Id}/assets{{?name,label}}",
            ["tarball_url"] = r.Draft ? null : $"{api}/repos/{repo.FullName}/tarball/{Uri.EscapeDataString(r.TagName)}",
            ["zipball_url"] = r.Draft ? null : $"{api}/repos/{repo.FullName}/zipball/{Uri.EscapeDataString(r.TagName)}",
            ["id"] = r.Id,
            ["node_id"] = "RE_" + r.Id.ToString(CultureInfo.InvariantCulture),
            ["tag_name"] = r.TagName,
            ["target_commitish"] = r.TargetCommitish,
            ["name"] = r.Name,
            ["body"] = r.Body,
            ["draft"] = r.Draft,
            ["prerelease"] = r.Prerelease,
            ["immutable"] = r.Immutable,
            ["created_at"] = Time(r.CreatedAt),
            ["published_at"] = Time(r.PublishedAt),
            ["updated_at"] = Time(r.UpdatedAt),
            ["author"] = User(api, r.Author),
            ["assets"] = new JsonArray(r.Assets.Select(a => (JsonNode)ReleaseAsset(api, repo, r, a)).ToArray()),
        };
    }

    /// <summary>components/schemas/release-asset. <c>digest</c> is known once the upload completed.</summary>
    public static JsonObject ReleaseAsset(string api, RepoState repo, GitHubRelease r, GitHubAsset a) => new()
    {
        ["url"] = $"{api}/repos/{repo.FullName}/releases/assets/{a.Id}",
        ["browser_download_url"] = $"{WebBase}/{repo.FullName}/releases/download/{r.WebTag}/{Uri.EscapeDataString(a.Name)}",
        ["id"] = a.Id,
        ["node_id"] = "RA_" + a.Id.ToString(CultureInfo.InvariantCulture),
        ["name"] = a.Name,
        ["label"] = a.Label,
        ["state"] = a.State,
        ["content_type"] = a.ContentType,
        ["size"] = a.Size,
        ["digest"] = a.Digest,
        ["download_count"] = a.DownloadCount,
        ["created_at"] = Time(a.CreatedAt),
        ["updated_at"] = Time(a.UpdatedAt),
        ["uploader"] = User(api, a.Uploader),
    };

    public static JsonObject Error(string message, string doc = "https://docs.github.com/rest") =>
        new() { ["message"] = message, ["documentation_url"] = doc };

    /// <summary>GitHub's 422 with a list of field errors, e.g. <c>already_exists</c> on <c>tag_name</c>.</summary>
    public static JsonObject ValidationFailed(string resource, string code, string field, string doc) => new()
    {
        ["message"] = "Validation Failed",
        ["errors"] = new JsonArray(new JsonObject { ["resource"] = resource, ["code"] = code, ["field"] = field }),
        ["documentation_url"] = doc,
        ["status"] = "422",
    };
}

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

    public static JsonObject Error(string message, string doc = "https://docs.github.com/rest") =>
        new() { ["message"] = message, ["documentation_url"] = doc };
}

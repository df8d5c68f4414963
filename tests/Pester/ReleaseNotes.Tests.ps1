#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Step-X0Version -Auto, Get-X0ReleaseNote and CHANGELOG.md on real repositories through the staged module.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:Sample = Get-X0SamplePath
    $script:Generator = Join-Path $PSScriptRoot '../../bench/New-ConventionalRepository.ps1' | Resolve-Path | Select-Object -ExpandProperty Path

    function Add-Commit([string] $Repo, [string] $Message) {
        $file = Join-Path $Repo 'src/mape_k/changes.txt'
        Add-Content -Path $file -Value $Message
        Invoke-Git $Repo add -A | Out-Null
        Invoke-Git $Repo commit -q -m $Message | Out-Null
    }
}

Describe 'Step-X0Version -Auto on a copy of the sample project' {
    BeforeEach {
        $script:Repo = New-X0GitRepository -From $script:Sample -Name 'auto' -WithRemote
        Invoke-Git $Repo tag -a v3.2.0 -m 'Release v3.2.0' | Out-Null
        Push-Location $script:Repo
    }
    AfterEach { Pop-Location }

    It 'a feat, a fix and a breaking commit give 3.3.0, 3.3.1 and 4.0.0 in sequence' {
        Add-Commit $Repo 'feat(analyzer): detect spikes'
        $first = Step-X0Version -Auto
        $first.Status | Should -Be 'Bumped'
        $first.Version | Should -Be '3.3.0'
        $first.Level | Should -Be 'Minor'
        $first.Tag | Should -Be 'v3.3.0'

        Add-Commit $Repo 'fix(executor): keep the queue ordered'
        (Step-X0Version -Auto).Version | Should -Be '3.3.1'

        Add-Commit $Repo "refactor(api): rename the entry point`n`nBREAKING CHANGE: run() is now start()"
        $third = Step-X0Version -Auto
        $third.Version | Should -Be '4.0.0'
        $third.Level | Should -Be 'Major'
        (Get-Content pyproject.toml -Raw) | Should -Match '(?m)^version = "4\.0\.0"$'
        (Invoke-Git $Repo tag --list 'v*') | Sort-Object | Should -Be @('v3.2.0', 'v3.3.0', 'v3.3.1', 'v4.0.0')
    }

    It 'nothing releasable: a NoRelease object with the reason, $? true, nothing written' {
        Add-Commit $Repo 'docs: explain the planner'
        Add-Commit $Repo 'chore: tidy'
        $before = Get-X0TreeSnapshot $Repo
        $result = Step-X0Version -Auto -ErrorVariable err
        $?  | Should -BeTrue
        $err | Should -BeNullOrEmpty
        $result | Should -BeOfType ([X0tta6bl4.Models.X0VersionChange])
        $result.Status | Should -Be 'NoRelease'
        $result.Version | Should -Be '3.2.0'
        $result.Tag | Should -BeNullOrEmpty
        $result.Reason | Should -Match 'no releasable commit since 3\.2\.0'
        ($result | Format-Table | Out-String) | Should -Match 'NoRelease'
        Get-X0TreeSnapshot $Repo | Should -Be $before
    }

    It 'a NoRelease run exits 0 as a process (the workflow step passes)' {
        $module = Get-X0ModulePath
        # dotnet pwsh resolves through the repository's tool manifest.
        Push-Location (Join-Path $PSScriptRoot '../..')
        try {
            & dotnet pwsh -NoProfile -NonInteractive -Command "Import-Module '$module'; Set-Location '$Repo'; `$r = Step-X0Version -Auto; if (`$r.Status -ne 'NoRelease') { exit 3 }" | Out-Null
        } finally { Pop-Location }
        $LASTEXITCODE | Should -Be 0
    }

    It '-Auto -PreRelease rc counts candidates monotonically, then releases; the changelog waits for the final' {
        $changelog = Get-Content CHANGELOG.md -Raw
        Add-Commit $Repo 'feat: new planner'
        (Step-X0Version -Auto -PreRelease rc).Version | Should -Be '3.3.0-rc.1'
        (Get-Content pyproject.toml -Raw) | Should -Match 'version = "3\.3\.0rc1"'
        Add-Commit $Repo 'fix: planner edge case'
        (Step-X0Version -Auto -PreRelease rc).Version | Should -Be '3.3.0-rc.2'
        Get-Content CHANGELOG.md -Raw | Should -Be $changelog
        $final = Step-X0Version -Auto
        $final.Version | Should -Be '3.3.0'
        $final.Changelog | Should -Be 'CHANGELOG.md'
        $text = Get-Content CHANGELOG.md -Raw
        $text | Should -Match '## \[3\.3\.0\] - \d{4}-\d{2}-\d{2}'
        $text | Should -Match 'new planner'
        $text | Should -Match 'planner edge case'
        $text | Should -Not -Match '3\.3\.0-rc'
    }

    It 'the bump commit holds exactly the version files and CHANGELOG.md, with the Unreleased lines moved in' {
        $path = Join-Path $Repo 'CHANGELOG.md'
        $text = (Get-Content $path -Raw).Replace("## [Unreleased]`n", "## [Unreleased]`n`n### Notes`n- hand-written: upgrade the agents first`n")
        [System.IO.File]::WriteAllText($path, $text)
        Invoke-Git $Repo commit -qam 'docs: changelog note' | Out-Null
        Add-Commit $Repo 'feat(analyzer): detect spikes'

        $change = Step-X0Version -Auto
        $committed = Invoke-Git $Repo show --name-only --format= HEAD
        $committed | Sort-Object | Should -Be @('CHANGELOG.md', 'pyproject.toml', 'src/mape_k/__init__.py')
        $after = Get-Content $path -Raw
        $section = $after.Substring($after.IndexOf('## [3.3.0]'), $after.IndexOf('## [3.2.0]') - $after.IndexOf('## [3.3.0]'))
        $section | Should -Match '### Notes\n- hand-written: upgrade the agents first'
        $section | Should -Match '### Features\n- \*\*analyzer:\*\* detect spikes'
        $unreleased = $after.Substring($after.IndexOf('## [Unreleased]'), $after.IndexOf('## [3.3.0]') - $after.IndexOf('## [Unreleased]'))
        $unreleased.Trim() | Should -Be '## [Unreleased]'
        # Links come from the file's own link block when origin is not on GitHub.
        $after | Should -Match '(?m)^\[Unreleased\]: https://github\.com/x0tta6bl4/x0tta6bl4/compare/v3\.3\.0\.\.\.HEAD$'
        $after | Should -Match '(?m)^\[3\.3\.0\]: https://github\.com/x0tta6bl4/x0tta6bl4/compare/v3\.2\.0\.\.\.v3\.3\.0$'
        # Older sections are byte-identical.
        $before = Get-Content (Join-Path $Sample 'CHANGELOG.md') -Raw
        $older = $before.Substring($before.IndexOf('## [3.2.0]'), $before.IndexOf('[Unreleased]:') - $before.IndexOf('## [3.2.0]'))
        $after.Contains($older) | Should -BeTrue
        $change.Changelog | Should -Be 'CHANGELOG.md'
    }

    It 'CHANGELOG.md twice: a release already in the file leaves it byte-identical' {
        Add-Commit $Repo 'feat: one'
        $path = Join-Path $Repo 'CHANGELOG.md'
        $text = (Get-Content $path -Raw).Replace("## [3.2.0]", "## [3.3.0] - 2026-11-24`n`n### Features`n- written by hand before the bump`n`n## [3.2.0]")
        [System.IO.File]::WriteAllText($path, $text)
        Invoke-Git $Repo commit -qam 'docs: prepare 3.3.0 notes' | Out-Null
        $bytes = [System.IO.File]::ReadAllBytes($path)

        $change = Step-X0Version -Auto
        $change.Version | Should -Be '3.3.0'
        $change.Changelog | Should -BeNullOrEmpty
        [System.IO.File]::ReadAllBytes($path) | Should -Be $bytes
        Invoke-Git $Repo show --name-only --format= HEAD | Sort-Object | Should -Be @('pyproject.toml', 'src/mape_k/__init__.py')
    }

    It 'a rejected push restores CHANGELOG.md byte for byte; the re-run writes the section once' {
        Add-Commit $Repo 'feat: one'
        # The release v3.2.0 is on the remote too: a release tag only local would stop -Push (X0.ReleaseNotPushed).
        Invoke-Git $Repo push -q origin main --tags | Out-Null
        $remote = "$Repo-origin.git"
        $hook = "$remote/hooks/pre-receive"
        Set-Content -Path $hook -Value "#!/bin/sh`necho 'frozen' >&2`nexit 1"
        & chmod +x $hook
        $bytes = [System.IO.File]::ReadAllBytes((Join-Path $Repo 'CHANGELOG.md'))
        { Step-X0Version -Auto -Push -ErrorAction Stop } | Should -Throw -ErrorId 'X0.PushRejected,*'
        [System.IO.File]::ReadAllBytes((Join-Path $Repo 'CHANGELOG.md')) | Should -Be $bytes
        Invoke-Git $Repo status --porcelain | Should -BeNullOrEmpty

        Remove-Item $hook
        (Step-X0Version -Auto -Push).Pushed | Should -BeTrue
        ([regex]::Matches((Get-Content CHANGELOG.md -Raw), '## \[3\.3\.0\]')).Count | Should -Be 1
    }

    It '-Strict refuses non-conventional commits, naming each, and changes nothing' {
        Add-Commit $Repo 'feat: fine'
        Add-Commit $Repo 'WIP'
        Add-Commit $Repo 'Update README.md'
        $before = Get-X0TreeSnapshot $Repo
        { Step-X0Version -Auto -Strict -ErrorAction Stop } | Should -Throw -ErrorId 'X0.NonConventionalCommits,*'
        $Error[0].Exception.Message | Should -Match '"WIP"'
        $Error[0].Exception.Message | Should -Match '"Update README.md"'
        Get-X0TreeSnapshot $Repo | Should -Be $before
        # Without -Strict they are listed, not refused.
        (Step-X0Version -Auto).Version | Should -Be '3.3.0'
    }

    It '-WhatIf names the inferred version and the changelog edit, and writes nothing' {
        Add-Commit $Repo 'fix: x'
        $before = Get-X0TreeSnapshot $Repo
        $out = Step-X0Version -Auto -WhatIf 6>&1 | Out-String
        Get-X0TreeSnapshot $Repo | Should -Be $before
        (Invoke-Git $Repo tag --list 'v3.2.1') | Should -BeNullOrEmpty
    }

    It 'refuses to infer a version on a shallow clone that lacks the previous release' {
        Add-Commit $Repo 'feat: one'
        Add-Commit $Repo 'fix: two'
        $shallow = Join-Path (New-X0TempDirectory 'shallow') 'clone'
        & git clone -q --depth 1 --no-tags "file://$Repo" $shallow 2>&1 | Out-Null
        { Step-X0Version -Auto -NoCommit -Path $shallow -ErrorAction Stop } | Should -Throw -ErrorId 'X0.ShallowClone,*'
        $Error[0].Exception.Message | Should -Match 'fetch-depth: 0'
    }

    It 'changelog = true creates CHANGELOG.md when the project has none' {
        Invoke-Git $Repo rm -q CHANGELOG.md | Out-Null
        Add-Content -Path pyproject.toml -Value 'changelog = true'
        Invoke-Git $Repo commit -qam 'chore: no changelog yet' | Out-Null
        Add-Commit $Repo 'feat: first notes'
        $change = Step-X0Version -Auto
        $change.Changelog | Should -Be 'CHANGELOG.md'
        $text = Get-Content CHANGELOG.md -Raw
        $text | Should -Match '(?s)^# Changelog.*## \[Unreleased\]\n\n## \[3\.3\.0\] - \d{4}-\d{2}-\d{2}\n\n### Features\n- first notes'
        Invoke-Git $Repo show --name-only --format= HEAD | Sort-Object | Should -Be @('CHANGELOG.md', 'pyproject.toml', 'src/mape_k/__init__.py')
    }

    It 'uncommitted edits to CHANGELOG.md are never swept into the release commit' {
        Add-Commit $Repo 'fix: x'
        Add-Content -Path CHANGELOG.md -Value '- an edit not committed yet'
        { Step-X0Version -Auto -AllowDirty -ErrorAction Stop } | Should -Throw -ErrorId 'X0.DirtyWorkingTree,*'
        $Error[0].Exception.Message | Should -Match 'NoChangelog'
        (Invoke-Git $Repo tag --list 'v3.2.1') | Should -BeNullOrEmpty
        $change = Step-X0Version -Auto -AllowDirty -NoChangelog
        $change.Version | Should -Be '3.2.1'
        Invoke-Git $Repo show --name-only --format= HEAD | Sort-Object | Should -Be @('pyproject.toml', 'src/mape_k/__init__.py')
        (Get-Content CHANGELOG.md -Raw) | Should -Match 'an edit not committed yet'
    }

    It '-NoChangelog keeps CHANGELOG.md out of the release commit' {
        Add-Commit $Repo 'fix: x'
        (Step-X0Version -Auto -NoChangelog).Changelog | Should -BeNullOrEmpty
        Invoke-Git $Repo show --name-only --format= HEAD | Sort-Object | Should -Be @('pyproject.toml', 'src/mape_k/__init__.py')
    }
}

Describe 'Get-X0ReleaseNote' {
    BeforeEach {
        $script:Repo = New-X0GitRepository -From $script:Sample -Name 'notes'
        Invoke-Git $Repo remote add origin 'git@github.com:x0tta6bl4/x0tta6bl4.git' | Out-Null
        Invoke-Git $Repo tag -a v3.2.0 -m 'Release v3.2.0' | Out-Null
        Push-Location $script:Repo
    }
    AfterEach { Pop-Location }

    It 'renders the expected sections as Markdown, with links derived from origin' {
        Add-Commit $Repo 'feat(analyzer): detect spikes (#12)'
        Add-Commit $Repo "fix(executor): resolve deadlock`n`nCloses #40`nCo-authored-by: Dev Two <two@example.com>"
        Add-Commit $Repo "feat(api)!: rename run to start`n`nBREAKING CHANGE: callers must use start()"
        Add-Commit $Repo 'chore: bump tooling'
        Add-Commit $Repo 'Update notes'

        $md = Get-X0ReleaseNote | Select-Object -ExpandProperty Markdown
        $md | Should -Match '^## \[4\.0\.0\]\(https://github\.com/x0tta6bl4/x0tta6bl4/compare/v3\.2\.0\.\.\.HEAD\) - \d{4}-\d{2}-\d{2}'
        $md | Should -Match '(?s)### Breaking Changes\n- \*\*api:\*\* callers must use start\(\).*### Features.*### Bug Fixes'
        $md | Should -Match '- \*\*analyzer:\*\* detect spikes \(\[#12\]\(https://github\.com/x0tta6bl4/x0tta6bl4/pull/12\)\) \(\[[0-9a-f]{7}\]\(https://github\.com/x0tta6bl4/x0tta6bl4/commit/[0-9a-f]{40}\)\)'
        $md | Should -Match 'resolve deadlock .*refs \[#40\]\(https://github\.com/x0tta6bl4/x0tta6bl4/issues/40\)'
        $md | Should -Not -Match 'Co-authored-by'
        $md | Should -Not -Match 'bump tooling'
        $md | Should -Not -Match 'Update notes'

        $note = Get-X0ReleaseNote
        $note | Should -BeOfType ([X0tta6bl4.Models.X0ReleaseNote])
        $note.Version | Should -Be '4.0.0'
        $note.IsUnreleased | Should -BeTrue
        $note.PreviousTag | Should -Be 'v3.2.0'
        $note.Breaking.Count | Should -Be 1
        ($note.Sections | Where-Object Title -eq 'Chores').Hidden | Should -BeTrue
        $note.Other.Header | Should -Be 'Update notes'
        $fix = $note.Entries | Where-Object Type -eq 'fix'
        $fix.Scope | Should -Be 'executor'
        $fix.Issues | Should -Be @(40)
        $fix.Author | Should -Be 'X0 Pester'
        ($note.Entries | Where-Object Scope -eq 'analyzer').PullRequest | Should -Be 12
    }

    It 'agrees with Step-X0Version -Auto on the version, and binds the Tag of its result' {
        Add-Commit $Repo 'fix: one'
        $expected = (Get-X0ReleaseNote).Version
        $change = Step-X0Version -Auto -WarningAction SilentlyContinue
        $change.Version | Should -Be $expected
        $tagged = $change | Get-X0ReleaseNote
        $tagged.Tag | Should -Be 'v3.2.1'
        $tagged.IsUnreleased | Should -BeFalse
        $tagged.Entries.Description | Should -Contain 'one'
        # On the tag checkout itself, the default is that release's notes.
        (Get-X0ReleaseNote).Tag | Should -Be 'v3.2.1'
    }

    It '-All lists every release newest first; an unknown tag is X0.TagNotFound' {
        Add-Commit $Repo 'feat: a'
        Invoke-Git $Repo tag -a v3.3.0 -m r | Out-Null
        Add-Commit $Repo 'fix: b'
        Invoke-Git $Repo tag -a v3.10.0 -m r | Out-Null
        Invoke-Git $Repo tag legacy-2019 | Out-Null
        Add-Commit $Repo 'fix: c'
        $all = Get-X0ReleaseNote -All
        $all.Version | Should -Be @('3.10.1', '3.10.0', '3.3.0', '3.2.0')
        $all[0].IsUnreleased | Should -BeTrue
        $all[1].PreviousTag | Should -Be 'v3.3.0'
        { Get-X0ReleaseNote -Tag v9.9.9 -ErrorAction Stop } | Should -Throw -ErrorId 'X0.TagNotFound,*'
    }
}

Describe 'Generated Conventional-Commit repository' {
    BeforeAll {
        $script:Gen = Join-Path (New-X0TempDirectory 'gen') 'repo'
        & $script:Generator -Path $script:Gen -Commits 1000 -TagEvery 200 | Out-Null
        $script:Manifest = Get-Content (Join-Path $script:Gen '.git/x0-manifest.json') -Raw | ConvertFrom-Json
    }

    It 'the notes of every range contain exactly the conventional commits in it' {
        $tagged = @($Manifest | Where-Object tag)
        $tagged.Count | Should -BeGreaterThan 3
        foreach ($release in $tagged) {
            $note = Get-X0ReleaseNote -Tag $release.tag -Path $Gen
            @($note.Entries.Header | Sort-Object) | Should -Be @($release.conventional | Sort-Object) -Because $release.tag
            $note.Other.Count | Should -Be $release.nonConventional -Because $release.tag
        }
        $all = Get-X0ReleaseNote -All -Path $Gen
        $all.Count | Should -Be ($tagged.Count + 1)
        @($all | Where-Object Tag | ForEach-Object Tag) | Should -Be @($tagged.tag | Sort-Object { [version]$_.TrimStart('v') } -Descending)
        $unreleased = $Manifest | Where-Object { -not $_.tag }
        @($all[0].Entries.Header | Sort-Object) | Should -Be @($unreleased.conventional | Sort-Object)
    }
}

#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Step-X0Version against real git repositories, in this child pwsh, through the staged module.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:Sample = Get-X0SamplePath
}

Describe 'Step-X0Version on a copy of the sample project' {
    BeforeEach {
        $script:Repo = New-X0GitRepository -From $script:Sample -Name 'sample' -WithRemote
        Push-Location $script:Repo
    }
    AfterEach { Pop-Location }

    It 'bumps the minor version in both files, commits exactly them and tags v3.3.0' {
        $before = Invoke-Git $Repo rev-parse HEAD
        $change = Step-X0Version -Minor

        $change | Should -BeOfType ([X0tta6bl4.Models.X0VersionChange])
        $change.PreviousVersion | Should -Be '3.2.0'
        $change.Version | Should -Be '3.3.0'
        $change.Tag | Should -Be 'v3.3.0'
        (Get-Content pyproject.toml -Raw) | Should -Match '(?m)^version = "3\.3\.0"$'
        (Get-Content src/mape_k/__init__.py -Raw) | Should -Match '__version__ = "3\.3\.0"'
        $change.Files.Path | Sort-Object | Should -Be @('pyproject.toml', 'src/mape_k/__init__.py')

        Invoke-Git $Repo rev-parse HEAD~1 | Should -Be $before
        $committed = Invoke-Git $Repo show --name-only --format= HEAD
        # A Python project with a CHANGELOG.md: the release commit also carries the release's notes.
        $committed | Sort-Object | Should -Be @('CHANGELOG.md', 'pyproject.toml', 'src/mape_k/__init__.py')
        Invoke-Git $Repo cat-file -t v3.3.0 | Should -Be 'tag'   # annotated
        Invoke-Git $Repo rev-parse 'v3.3.0^{commit}' | Should -Be (Invoke-Git $Repo rev-parse HEAD)
        Invoke-Git $Repo status --porcelain | Should -BeNullOrEmpty
    }

    It '-WhatIf performs the checks, prints the plan and leaves the tree and refs byte-identical' {
        $before = Get-X0TreeSnapshot $Repo
        $output = Step-X0Version -Minor -Push -WhatIf 6>&1 | Out-String
        $after = Get-X0TreeSnapshot $Repo
        $after | Should -Be $before
        (Invoke-Git $Repo tag) | Should -BeNullOrEmpty
    }

    It 'refuses a dirty tree, names the path, and changes nothing' {
        Add-Content -Path src/mape_k/loop.py -Value '# local edit'
        $before = Get-X0TreeSnapshot $Repo
        { Step-X0Version -Minor -ErrorAction Stop } | Should -Throw -ErrorId 'X0.DirtyWorkingTree,X0tta6bl4.Commands.StepX0VersionCommand'
        $Error[0].Exception.Message | Should -Match 'src/mape_k/loop.py'
        Get-X0TreeSnapshot $Repo | Should -Be $before
    }

    It 'a failure is a non-terminating error: $? is false and nothing is output' {
        Add-Content -Path src/mape_k/loop.py -Value '# local edit'
        $result = Step-X0Version -Minor -ErrorAction SilentlyContinue -ErrorVariable err
        $result | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.DirtyWorkingTree,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
    }

    It '-Push pushes branch and tag and verifies them on the remote' {
        $change = Step-X0Version -Patch -Push
        $change.Pushed | Should -BeTrue
        $remote = "$Repo-origin.git"
        & git -C $remote rev-parse main | Should -Be $change.Commit
        & git -C $remote rev-parse 'v3.2.1^{commit}' | Should -Be $change.Commit
    }

    It 'a push the remote rejects rolls back the local commit and tag' {
        $remote = "$Repo-origin.git"
        Set-Content -Path "$remote/hooks/pre-receive" -Value "#!/bin/sh`necho 'releases are frozen' >&2`nexit 1"
        & chmod +x "$remote/hooks/pre-receive"
        $head = Invoke-Git $Repo rev-parse HEAD
        $before = Get-Content pyproject.toml -Raw

        { Step-X0Version -Minor -Push -ErrorAction Stop } | Should -Throw -ErrorId 'X0.PushRejected,X0tta6bl4.Commands.StepX0VersionCommand'
        $Error[0].Exception.Message | Should -Match 'releases are frozen'
        Invoke-Git $Repo rev-parse HEAD | Should -Be $head
        Invoke-Git $Repo tag | Should -BeNullOrEmpty
        Get-Content pyproject.toml -Raw | Should -Be $before
        Invoke-Git $Repo status --porcelain | Should -BeNullOrEmpty
    }

    It 'refuses a tag that already exists on the remote' {
        $other = New-X0TempDirectory 'other'
        & git clone -q "$Repo-origin.git" $other
        & git -C $other -c user.name=o -c user.email=o@e tag -a v3.3.0 -m 'someone else' | Out-Null
        & git -C $other push -q origin v3.3.0
        { Step-X0Version -Minor -ErrorAction Stop } | Should -Throw -ErrorId 'X0.TagsMissing,*'
        Invoke-Git $Repo fetch -q --tags origin | Out-Null
        { Step-X0Version -Minor -ErrorAction Stop } | Should -Throw -ErrorId 'X0.TagExists,*'
    }

    It 'refuses to push a branch that is behind its remote, and the process exit says so' {
        $other = New-X0TempDirectory 'other'
        & git clone -q "$Repo-origin.git" $other
        Set-Content -Path (Join-Path $other 'NOTES.md') -Value 'elsewhere'
        & git -C $other add NOTES.md
        & git -C $other -c user.name=o -c user.email=o@e commit -qm 'docs: elsewhere' | Out-Null
        & git -C $other push -q origin main
        $before = Get-X0TreeSnapshot $Repo

        $result = Step-X0Version -Minor -Push -ErrorAction SilentlyContinue -ErrorVariable err
        $? | Should -BeFalse
        $result | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.BranchBehindRemote,*'
        $err[0].Exception.Message | Should -Match 'git pull --rebase origin main'
        Get-X0TreeSnapshot $Repo | Should -Be $before

        # As a CI step (pwsh -Command, ErrorAction Stop) the refusal is a non-zero exit.
        $script = "Import-Module '$(Get-X0ModulePath)'; Step-X0Version -Path '$Repo' -Minor -Push -ErrorAction Stop | Out-Null"
        Push-Location (Get-X0RepositoryRoot)
        try {
            & dotnet pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-Null
            $LASTEXITCODE | Should -Not -Be 0
        } finally { Pop-Location }

        # After catching up, the same command succeeds and pushes.
        Invoke-Git $Repo pull -q --rebase origin main | Out-Null
        $change = Step-X0Version -Minor -Push
        $? | Should -BeTrue
        $change.Pushed | Should -BeTrue
        & git -C "$Repo-origin.git" rev-parse 'v3.3.0^{commit}' | Should -Be (Invoke-Git $Repo rev-parse HEAD)
    }

    It 'refuses a detached HEAD and says how to fix it' {
        Invoke-Git $Repo checkout -q --detach HEAD | Out-Null
        { Step-X0Version -Minor -ErrorAction Stop } | Should -Throw -ErrorId 'X0.DetachedHead,*'
        $Error[0].Exception.Message | Should -Match 'git switch'
    }

    It 'refuses files that disagree and lists each file and value' {
        (Get-Content src/mape_k/__init__.py -Raw).Replace('3.2.0', '3.1.9') | Set-Content src/mape_k/__init__.py -NoNewline
        Invoke-Git $Repo commit -qam 'chore: drift' | Out-Null
        { Step-X0Version -Minor -ErrorAction Stop } | Should -Throw -ErrorId 'X0.VersionMismatch,*'
        $Error[0].Exception.Message | Should -Match 'pyproject.toml.*3\.2\.0'
        $Error[0].Exception.Message | Should -Match '__init__.py.*3\.1\.9'
    }

    It 'runs a pre-release sequence with PEP 440 in Python files and SemVer tags' {
        (Step-X0Version -Minor -PreRelease rc).Version | Should -Be '3.3.0-rc.1'
        (Get-Content pyproject.toml -Raw) | Should -Match 'version = "3\.3\.0rc1"'
        (Step-X0Version -PreRelease).Version | Should -Be '3.3.0-rc.2'
        (Step-X0Version -Release).Tag | Should -Be 'v3.3.0'
        (Get-Content src/mape_k/__init__.py -Raw) | Should -Match '__version__ = "3\.3\.0"'
    }

    It 'binds Path by property name from piped objects' {
        $change = [pscustomobject]@{ FullName = $Repo } | Step-X0Version -Patch -NoTag
        $change.Version | Should -Be '3.2.1'
        $change.Tag | Should -BeNullOrEmpty
    }
}

Describe 'Step-X0Version in GitHub Actions' {
    It 'writes version and tag outputs and a summary line' {
        $repo = New-X0GitRepository -From (Get-X0SamplePath) -Name 'actions'
        $outFile = Join-Path $repo '../gh-output.txt'; $summary = Join-Path $repo '../gh-summary.md'
        $env:GITHUB_ACTIONS = 'true'; $env:GITHUB_OUTPUT = $outFile; $env:GITHUB_STEP_SUMMARY = $summary
        try {
            Step-X0Version -Path $repo -Minor | Out-Null
        } finally {
            Remove-Item Env:GITHUB_ACTIONS, Env:GITHUB_OUTPUT, Env:GITHUB_STEP_SUMMARY
        }
        Get-Content $outFile | Should -Contain 'version=3.3.0'
        Get-Content $outFile | Should -Contain 'tag=v3.3.0'
        Get-Content $summary -Raw | Should -Match '3\.2\.0.*3\.3\.0'
    }
}

Describe 'Step-X0Version help' {
    It 'has examples' {
        $help = Get-Help Step-X0Version -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.Examples.Example).Count | Should -BeGreaterThan 2
        ($help.Parameters.Parameter | Where-Object Name -eq 'Minor').Description.Text | Should -Not -BeNullOrEmpty
    }
}

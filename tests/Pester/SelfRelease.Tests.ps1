#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# x0tta6bl4 releases itself, end to end, against the stand-ins: the release script of a clone of this
# repository (build/Invoke-Release.ps1, which ./build.ps1 Release and release.yml run) bumps, writes the
# changelog, builds the new version and publishes it with Publish-X0Release — GitHub behind prism,
# the NuGet v3 stand-in as the PowerShell Gallery, a bare repository as origin. Then the setup action's
# script installs the published module into a fresh pwsh, which runs the sample project's pipeline.
# The gates are left out (-SkipGates): the suite this test belongs to is that gates run.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../StandIns/StandIns.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:Root = Get-X0RepositoryRoot
    $script:GitHub = Start-X0GitHubStandIn
    $script:Nu = Start-X0PackageStandIn nuget
    $script:EnvNames = 'GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_API_URL', 'PSGALLERY_API_KEY', 'NUGET_API_KEY', 'X0_STATE_DIR', 'XDG_DATA_HOME', 'GITHUB_ACTIONS', 'SOURCE_DATE_EPOCH'
    $script:SavedEnv = @{}
    foreach ($n in $EnvNames) { $SavedEnv[$n] = [Environment]::GetEnvironmentVariable($n); [Environment]::SetEnvironmentVariable($n, $null) }
    $env:X0_STATE_DIR = New-X0TempDirectory 'self-release-state'
    $script:Token = 'ghs_selfrelease' + [guid]::NewGuid().ToString('N').Substring(0, 16)
    $script:Key = 'oy2selfrelease' + [guid]::NewGuid().ToString('N').Substring(0, 16)
    $script:Owner = 'x0tta6bl4/x0tta6bl4'

    $exe = [Environment]::ProcessPath
    $script:Pwsh = @($exe) + @(if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    function Invoke-Pwsh([string[]] $Arguments) {
        $out = & $Pwsh[0] @($Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive @Arguments 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $out }
    }
}

AfterAll {
    foreach ($k in $SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $SavedEnv[$k]) }
}

Describe 'x0tta6bl4 releases itself' {
    BeforeAll {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        Invoke-X0StandIn POST /tokens @{ token = $Token; permissions = @{ contents = 'write' } } | Out-Null
        Invoke-X0StandIn POST /repos @{ owner = 'x0tta6bl4'; name = 'x0tta6bl4' } | Out-Null
        Invoke-X0PackageStandIn $Nu POST /keys @{ key = $Key } | Out-Null

        # A clone of this repository's HEAD, with a bare repository as its origin.
        $script:Clone = New-X0TempDirectory 'self'
        & git clone --quiet --no-hardlinks $Root $Clone
        $script:Bare = "$Clone-origin.git"
        & git clone --quiet --bare $Clone $Bare
        Invoke-Git $Clone remote set-url origin $Bare | Out-Null
        Invoke-Git $Clone config user.name 'X0 Release' | Out-Null
        Invoke-Git $Clone config user.email 'release@example.com' | Out-Null
        $script:Branch = (Invoke-Git $Clone rev-parse --abbrev-ref HEAD).Trim()
        # Something to release whatever HEAD is (right after a release too), merged as the team merges.
        Invoke-Git $Clone switch -q -c e2e/change | Out-Null
        Invoke-Git $Clone commit -q --allow-empty -m 'fix(release): the end-to-end change to release' | Out-Null
        Invoke-Git $Clone switch -q $Branch | Out-Null
        Invoke-Git $Clone merge -q --no-ff -m "Merge branch 'e2e/change'" e2e/change | Out-Null
        $script:Next = (Get-X0ReleaseNote -Path $Clone).Version
        # The hand-written lines of ## [Unreleased], which the release commit takes into the new section.
        $text = Get-Content -Raw (Join-Path $Clone 'CHANGELOG.md')
        $script:HandLines = @(([regex]::Match($text, '(?s)## \[Unreleased\]\s*\n(.*?)(?=\n## |\z)').Groups[1].Value -split '\r?\n') | Where-Object { $_.Trim() })

        $env:GITHUB_TOKEN = $Token
        $env:PSGALLERY_API_KEY = $Key
        try {
            $script:Run = Invoke-Pwsh @('-File', (Join-Path $Clone 'build/Invoke-Release.ps1'), '-ModulePath', (Get-X0ModulePath), '-SkipGates',
                '-BuildTask', 'Build', '-NoReadyToRun', '-NuGetRepository', $Nu.ServiceIndex, '-ApiUrl', $GitHub.ApiUrl, '-Repository', $Owner)
        } finally {
            $env:GITHUB_TOKEN = $null
            $env:PSGALLERY_API_KEY = $null
        }
        $script:ReleaseSeconds = [int]$clock.Elapsed.TotalSeconds
        $script:Truth = @((Invoke-X0StandIn GET "/repos/$Owner/releases") | ForEach-Object { $_ })
    }

    It 'bumps, builds and publishes the next version: GitHub release with notes, nupkg and SHA256SUMS, the nupkg on the feed' {
        $Run.ExitCode | Should -Be 0 -Because $Run.Output
        $Next | Should -Match '^\d+\.\d+\.\d+$'
        $Run.Output | Should -Match "Released v$([regex]::Escape($Next))"

        $Truth.Count | Should -Be 1
        $release = $Truth[0]
        $release.tag_name | Should -Be "v$Next"
        $release.draft | Should -BeFalse
        # The merged commit is an entry; the merge commit is not.
        $release.body | Should -Match '### Bug Fixes\n(- .*\n)*- \*\*release:\*\* the end-to-end change to release'
        $release.body | Should -Not -Match 'Merge branch'
        @($release.assets.name | Sort-Object) | Should -Be @('SHA256SUMS', "x0tta6bl4.$Next.nupkg")
        $nupkg = $release.assets | Where-Object name -like '*.nupkg'
        $sumsFile = Join-Path $Clone "out/releases/v$Next/assets/SHA256SUMS"
        (Get-FileHash $sumsFile -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be ($release.assets | Where-Object name -eq 'SHA256SUMS').sha256
        Get-Content -Raw $sumsFile | Should -Match "$($nupkg.sha256)  x0tta6bl4\.$([regex]::Escape($Next))\.nupkg"

        $feed = @(Invoke-X0PackageStandIn $Nu GET /packages)
        ($feed | Where-Object { $_.id -eq 'x0tta6bl4' -and $_.version -eq $Next }).sha256 | Should -Be $nupkg.sha256
        Get-X0StandInContractErrors | Should -BeNullOrEmpty
    }

    It 'pushed one release commit and its tag: the version, the sample workflows'' pin and the changelog, which the generator reproduces' {
        $tagged = (Invoke-Git $Bare rev-parse "v$Next^{commit}").Trim()
        (Invoke-Git $Bare rev-parse "refs/heads/$Branch").Trim() | Should -Be $tagged
        (Invoke-Git $Bare log -1 --format=%s $tagged).Trim() | Should -Be "chore(release): v$Next"
        @(Invoke-Git $Bare show --name-only --format= $tagged | Where-Object { $_ } | Sort-Object) | Should -Be @(
            'CHANGELOG.md'
            'samples/python-project/.github/workflows/docker.yml'
            'samples/python-project/.github/workflows/release.yml'
            'samples/python-project/.github/workflows/test.yml'
            'x0tta6bl4.psd1')
        (Invoke-Git $Bare show "${tagged}:x0tta6bl4.psd1") -join "`n" | Should -Match "ModuleVersion\s*=\s*'$([regex]::Escape($Next))'"
        $changelog = (Invoke-Git $Bare show "${tagged}:CHANGELOG.md") -join "`n"
        $section = [regex]::Match($changelog, "(?s)## \[Unreleased\]\s+## \[$([regex]::Escape($Next))\] - \d{4}-\d\d-\d\d\n(.*?)(?=\n## |\n\[Unreleased\]:)")
        $section.Success | Should -BeTrue -Because $changelog.Substring(0, [Math]::Min(2000, $changelog.Length))
        foreach ($line in $HandLines) { $section.Groups[1].Value | Should -Match ([regex]::Escape($line)) }
        $section.Groups[1].Value | Should -Match 'the end-to-end change to release' 
        $changelog | Should -Not -Match 'Merge branch'

        $check = Update-X0Changelog -Path $Clone -WhatIf
        $check.Status | Should -Be 'Unchanged' -Because $check.Diff
        $check.Sections | Should -Contain $Next
        # The generated sample workflows are still New-X0Workflow's (the moved pin is no hand edit).
        @(New-X0Workflow -Path (Join-Path $Clone 'samples/python-project') -WhatIf).FoundAs | Should -Be @('Generated', 'Generated', 'Generated')
    }

    It 'the setup action''s script installs the published module into a fresh pwsh, which runs the sample project''s pipeline' {
        $work = New-X0TempDirectory 'self-install'
        $sample = New-X0GitRepository -From (Join-Path $Clone 'samples/python-project') -Name 'self-sample' -WithRemote
        $script = Join-Path $work 'pipeline.ps1'
        Set-Content -Path $script -Encoding utf8NoBOM -Value @'
param([string] $Setup, [string] $Version, [string] $Feed, [string] $Destination, [string] $Sample)
$ErrorActionPreference = 'Stop'
$module = & $Setup -Step All -Version $Version -Repository $Feed -Destination $Destination
$workflow = New-X0Workflow -Path $Sample -Name test -WhatIf
$gates = Invoke-X0Test -Path $Sample -OutputDirectory (Join-Path $Sample 'artifacts')
$release = Step-X0Version -Path $Sample -Minor | Publish-X0Release -Package None
[ordered]@{
    ModuleBase = $module.ModuleBase
    Version    = "$($module.Version)"
    Commands   = @(Get-Command -Module x0tta6bl4).Count
    Gates      = "$($gates.Succeeded)"
    Release    = "$($release.Tag) $($release.Succeeded)"
    Steps      = @($release.Steps | ForEach-Object { "$($_.Name)=$($_.Status)" })
    SetupPin   = @($workflow.Diff -split "`n" | Where-Object { $_ -match '^\+ +uses: x0tta6bl4/' }) -join ''

} | ConvertTo-Json -Compress
'@
        $env:XDG_DATA_HOME = Join-Path $work 'xdg'
        try {
            $r = Invoke-Pwsh @('-File', $script, '-Setup', (Join-Path $Clone 'setup/Install-X0tta6bl4.ps1'), '-Version', $Next, '-Feed', $Nu.ServiceIndex,
                '-Destination', (Join-Path $work 'modules'), '-Sample', $sample)
        } finally { $env:XDG_DATA_HOME = $null }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $result = ($r.Output -split "`n" | Where-Object { $_.StartsWith('{"ModuleBase"') } | Select-Object -Last 1) | ConvertFrom-Json
        $result.ModuleBase | Should -BeLike (Join-Path $work "modules/$Next/x0tta6bl4/$Next*")
        $result.Version | Should -Be $Next
        $result.Commands | Should -BeGreaterThan 10
        $result.Gates | Should -Be 'True'
        $result.Release | Should -Be 'v3.3.0 True'
        $result.Steps | Should -Contain 'Gates=Done'
        $result.Steps | Should -Contain 'Push=Done'
        # The released module knows its release commit: generated workflows pin the setup action to it.
        $tagged = (Invoke-Git $Bare rev-parse "v$Next^{commit}").Trim()
        $result.SetupPin | Should -Be "+        uses: x0tta6bl4/x0tta6bl4@$tagged # v$Next"
        Write-Host "    self-release: $ReleaseSeconds s (clone, bump, build, publish); whole file so far $([int]((Get-Date) - (Get-Process -Id $PID).StartTime).TotalSeconds) s"
    }
}

Describe 'The release''s inputs in this repository' {
    It 'CHANGELOG.md is what the history up to the last release says (new commits on main cannot change that)' {
        $check = Update-X0Changelog -Path $Root -WhatIf
        $check.Status | Should -Be 'Unchanged' -Because "regenerate the released sections with Update-X0Changelog, or undo the hand edit of a generated line:`n$($check.Diff)"
        $check.Missing | Should -BeNullOrEmpty
        # Every release tag has its section, and every section of a tag was rebuilt from its commits.
        $tags = @(& git -C $Root tag --list 'v*' | Where-Object { $_ -match '^v\d+\.\d+\.\d+$' })
        @($check.Sections | Where-Object { $_ -ne 'Unreleased' }).Count | Should -Be $tags.Count
    }

    It 'Step-X0Version -Auto -WhatIf plans the bump of the one version source, the sample pins and the changelog' {
        # A clone: the committed state, whatever the working tree holds.
        $clone = New-X0TempDirectory 'self-plan'
        & git clone --quiet $Root $clone
        $note = Get-X0ReleaseNote -Path $clone
        # What-if lines go to the host, so a child pwsh's output holds them.
        $plan = (Invoke-Pwsh @('-Command', "Import-Module '$(Get-X0ModulePath)'; Step-X0Version -Path '$clone' -Auto -WhatIf")).Output
        if (-not $note.IsUnreleased -or $note.Level -eq 'None') {
            # HEAD is a release, or only hidden types came since: -Auto says there is nothing to release.
            $plan | Should -Match 'NoRelease'
            return
        }
        $next = $note.Version
        $plan | Should -Match "x0tta6bl4\.psd1:\d+: +ModuleVersion += '[0-9.]+' +→ +ModuleVersion += '$([regex]::Escape($next))'"
        $plan | Should -Match 'samples/python-project/\.github/workflows/release\.yml:\d+'
        $plan | Should -Match 'CHANGELOG\.md: inserted section'
        $plan | Should -Match "annotated tag: v$([regex]::Escape($next))"
    }
}

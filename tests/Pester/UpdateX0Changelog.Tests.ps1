#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Update-X0Changelog through the staged module on real git repositories (the sample project).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:SavedState = $env:X0_STATE_DIR
    $env:X0_STATE_DIR = New-X0TempDirectory 'changelog-state'

    function New-History {
        # The sample with a release tag, a merged branch and more commits after it.
        $repo = New-X0GitRepository -From (Get-X0SamplePath) -Name 'changelog'
        Remove-Item (Join-Path $repo 'CHANGELOG.md') -ErrorAction SilentlyContinue
        Invoke-Git $repo add -A | Out-Null
        Invoke-Git $repo commit -q -m 'fix(loop): keep the first order' | Out-Null
        Invoke-Git $repo tag -a v3.2.0 -m 'Release v3.2.0' | Out-Null
        Invoke-Git $repo switch -q -c feat/spikes | Out-Null
        Invoke-Git $repo commit -q --allow-empty -m 'feat(analyzer): detect spikes' | Out-Null
        Invoke-Git $repo switch -q main | Out-Null
        Invoke-Git $repo merge -q --no-ff -m "Merge branch 'feat/spikes'" feat/spikes | Out-Null
        Invoke-Git $repo commit -q --allow-empty -m 'docs: the monitor' | Out-Null
        $repo
    }
}

AfterAll { $env:X0_STATE_DIR = $SavedState }

Describe 'Update-X0Changelog' {
    It 'creates a changelog from the tags, previews Unreleased, and the release commit keeps it a fixed point' {
        $repo = New-History
        $file = Join-Path $repo 'CHANGELOG.md'

        $plan = Update-X0Changelog -Path $repo -WhatIf
        $plan.Status | Should -Be 'Planned'
        Test-Path $file | Should -BeFalse
        $created = Update-X0Changelog -Path $repo
        $created.Status | Should -Be 'Created'
        $created.Sections | Should -Be @('3.2.0')
        Get-Content -Raw $file | Should -Match '(?s)## \[Unreleased\]\s+## \[3\.2\.0\] - \d{4}-\d\d-\d\d\s+### Features\n- initial import.*### Bug Fixes\n- \*\*loop:\*\* keep the first order'
        Invoke-Git $repo add CHANGELOG.md | Out-Null
        Invoke-Git $repo commit -q -m 'docs: the changelog' | Out-Null

        # The preview: the merged commit is an entry, the merge is not; hand-written prose stays.
        (Get-Content -Raw $file) -replace '## \[Unreleased\]\n', "## [Unreleased]`n`nSpikes are detected now.`n" | Set-Content $file -NoNewline
        $preview = Update-X0Changelog -Path $repo -Unreleased
        $preview.Status | Should -Be 'Updated'
        $preview.Sections | Should -Be @('Unreleased', '3.2.0')
        $text = Get-Content -Raw $file
        $text | Should -Match '(?s)## \[Unreleased\]\s+Spikes are detected now\.\s+### Features\n- \*\*analyzer:\*\* detect spikes'
        $text | Should -Not -Match 'Merge branch'
        $preview.Diff | Should -Match '(?m)^\+- \*\*analyzer:\*\* detect spikes'
        (Update-X0Changelog -Path $repo -Unreleased).Status | Should -Be 'Unchanged'
        Invoke-Git $repo commit -q -am 'docs: preview the next release' | Out-Null

        # The release commit takes the prose along and lists the previewed entry once.
        $change = Step-X0Version -Path $repo -Auto
        $change.Version | Should -Be '3.3.0'
        $change.Changelog | Should -Be 'CHANGELOG.md'
        $released = Get-Content -Raw $file
        $section = [regex]::Match($released, '(?s)## \[3\.3\.0\][^\n]*\n(.*?)\n## \[3\.2\.0\]').Groups[1].Value
        $section | Should -Match 'Spikes are detected now\.'
        ([regex]::Matches($released, 'detect spikes')).Count | Should -Be 1
        $check = Update-X0Changelog -Path $repo -WhatIf
        $check.Status | Should -Be 'Unchanged' -Because $check.Diff
        $check.Sections | Should -Be @('3.3.0', '3.2.0')
    }

    It 'puts back a generated line edited by hand, keeps the file''s bytes otherwise, and names a release without a section' {
        $repo = New-History
        Update-X0Changelog -Path $repo | Out-Null
        $file = Join-Path $repo 'CHANGELOG.md'
        $edited = ((Get-Content -Raw $file) -replace 'keep the first order', 'KEEP IT') -replace "`n", "`r`n"
        $crlf = [System.Text.Encoding]::UTF8.GetPreamble() + [System.Text.Encoding]::UTF8.GetBytes($edited)
        [IO.File]::WriteAllBytes($file, $crlf)
        $r = Update-X0Changelog -Path $repo
        $r.Status | Should -Be 'Updated'
        $bytes = [IO.File]::ReadAllBytes($file)
        $bytes[0..2] | Should -Be @(0xEF, 0xBB, 0xBF)
        $text = [System.Text.Encoding]::UTF8.GetString($bytes, 3, $bytes.Length - 3)
        $text | Should -Match "- \*\*loop:\*\* keep the first order \(\w{7}\)`r`n"
        $text.Replace("`r`n", '') | Should -Not -Match "`n"

        Invoke-Git $repo tag -a v3.3.0 -m 'Release v3.3.0' | Out-Null
        $missing = Update-X0Changelog -Path $repo -WhatIf -WarningVariable warnings -WarningAction SilentlyContinue
        $missing.Missing | Should -Be @('3.3.0')
        "$warnings" | Should -Match '3\.3\.0'
    }
}

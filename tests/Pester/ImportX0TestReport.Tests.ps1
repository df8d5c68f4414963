#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Import-X0TestReport through the staged module: reports written by the real Pester and pytest here and files
# shaped as other producers write them, and Publish-X0Release gating on such reports or refusing gates that
# could not run.

BeforeDiscovery {
    $script:PythonToolsMissing = $true
    if (Test-Path /usr/bin/python3) {
        & /usr/bin/python3 -c 'import pytest, pytest_cov' 2>$null
        $script:PythonToolsMissing = $LASTEXITCODE -ne 0
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:Reports = Join-Path $PSScriptRoot '../X0tta6bl4.Core.Tests/Fixtures/reports' | Resolve-Path | Select-Object -ExpandProperty Path
    $script:Fixtures = Join-Path $PSScriptRoot '../Fixtures' | Resolve-Path | Select-Object -ExpandProperty Path
    $script:SavedEnv = @{}
    foreach ($name in 'CI', 'GITHUB_ACTIONS', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_TOKEN', 'GH_TOKEN', 'X0_PESTER_PATH', 'X0_STATE_DIR') {
        $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $env:X0_STATE_DIR = New-X0TempDirectory 'import-state'

    function Copy-Report([string] $Dir, [string] $Relative, [string] $Fixture) {
        $path = Join-Path $Dir $Relative
        New-Item -ItemType Directory -Force -Path (Split-Path $path) | Out-Null
        Copy-Item (Join-Path $Reports $Fixture) $path
        $path
    }

    function New-SampleRelease([string] $Name, [string] $Config) {
        <# The sample with a local bare remote (a local release: no GitHub), optional gate settings committed, bumped and pushed. #>
        $repo = New-X0GitRepository -From (Get-X0SamplePath) -Name $Name -WithRemote
        if ($Config) {
            Add-Content -Path (Join-Path $repo 'pyproject.toml') -Value $Config
            Invoke-Git $repo commit -q -am 'ci: gate settings' | Out-Null
        }
        Step-X0Version -Path $repo -Minor -Push | Out-Null
        $repo
    }
}

AfterAll {
    foreach ($name in $script:SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnv[$name]) }
}

Describe 'Import-X0TestReport' {
    It 'reads many producers'' files from Get-ChildItem into one X0TestRun; a damaged file is an error naming it and counts nothing' {
        $dir = New-X0TempDirectory 'import-many'
        Copy-Report $dir 'jest/junit.xml' 'producers/jest-junit.xml' | Out-Null
        Copy-Report $dir 'maven/TEST-org.acme.ledger.LedgerTest.xml' 'producers/surefire.xml' | Out-Null
        Copy-Report $dir 'php/junit.xml' 'producers/phpunit.xml' | Out-Null
        Copy-Report $dir 'cov/coverage.xml' 'producers/istanbul-cobertura.xml' | Out-Null
        $cut = Join-Path $dir 'broken/junit.xml'
        New-Item -ItemType Directory -Force (Split-Path $cut) | Out-Null
        $text = Get-Content -Raw (Join-Path $Reports 'producers/go-junit-report.xml')
        Set-Content -Path $cut -Value $text.Substring(0, 700) -NoNewline
        $out = Join-Path $dir 'out'

        $run = Get-ChildItem $dir -Recurse -Filter *.xml | Import-X0TestReport -OutputDirectory $out -ErrorVariable err -ErrorAction SilentlyContinue

        $run | Should -BeOfType ([X0tta6bl4.Models.X0TestRun])
        $run.Status | Should -Be 'Failed'
        # jest 1/3/0/1, Surefire 1/1/1/1, PHPUnit 1/1/1/1 (passed/failed/errors/skipped); the cut file counts nothing.
        ($run.Passed, $run.Failed, $run.Errors, $run.Skipped) | Should -Be @(3, 5, 2, 3)
        @($run.Gates | Where-Object Name -eq 'Test').Tool | Sort-Object | Should -Be @('jest', 'JUnit', 'Maven Surefire', 'PHPUnit')
        $php = $run.Failures | Where-Object ClassName -eq 'App.Tests.MoneyTest' | Where-Object Kind -eq 'Failure'
        # Several reports: each suite carries its report's name, so the merged junit.xml keeps them apart.
        $php.Suite | Should -Be 'php/junit: App\Tests\MoneyTest'
        $php.Message | Should -Be 'Failed asserting that 1.0 is identical to 2.0.'
        $run.LineCoverage | Should -Be 83.33
        $damaged = @($err | Where-Object { $_.FullyQualifiedErrorId -like 'X0.ReportMalformed,*' })
        $damaged | Should -HaveCount 1
        $damaged[0].Exception.Message | Should -BeLike "*$cut*"
        @($err | Where-Object { $_.FullyQualifiedErrorId -like 'X0.GatesFailed,*' }) | Should -HaveCount 1
        foreach ($name in 'junit.xml', 'coverage.xml', 'test-report.md') { Join-Path $out $name | Should -Exist }
        ([xml](Get-Content -Raw (Join-Path $out 'junit.xml'))).testsuites.tests | Should -Be '13'
    }

    It 'wildcards and the coverage threshold; reading nothing is NothingRan, never a success' {
        $dir = New-X0TempDirectory 'import-wild'
        Copy-Report $dir 'surefire-a.xml' 'producers/surefire.xml' | Out-Null
        Copy-Report $dir 'coverage.xml' 'producers/gcovr-cobertura.xml' | Out-Null
        Push-Location $dir
        try {
            $run = Import-X0TestReport ./surefire-*.xml, ./coverage.xml -CoverageThreshold 90 -ErrorAction SilentlyContinue
            $coverage = $run.Gates | Where-Object Name -eq 'Coverage'
            $coverage.Status | Should -Be 'Failed'
            $coverage.Message | Should -Match 'line coverage 80% is below the threshold 90%'

            $empty = Join-Path $dir 'empty.xml'
            Set-Content $empty '<testsuites><testsuite name="x" tests="0"></testsuite></testsuites>'
            $none = Import-X0TestReport -LiteralPath $empty -ErrorVariable noneErr -ErrorAction SilentlyContinue
            $none.Status | Should -Be 'NothingRan'
            $none.Succeeded | Should -BeFalse
            $noneErr[0].FullyQualifiedErrorId | Should -BeLike 'X0.NoGateRan,*'
        } finally { Pop-Location }
    }

    It 'reads the real Pester''s reports as Invoke-X0Test read them' {
        $dir = New-X0TempDirectory 'import-pester'
        Copy-Item -Path (Join-Path $Fixtures 'ps-module/*') -Destination $dir -Recurse
        $env:X0_PESTER_PATH = Join-Path (Get-Module Pester).ModuleBase 'Pester.psd1'
        try { $gates = Invoke-X0Test -Path $dir -Gate Test -ErrorAction SilentlyContinue } finally { $env:X0_PESTER_PATH = $null }
        $raw = Join-Path $dir 'artifacts/x0-raw'
        Push-Location $dir
        try {
            $imported = Get-ChildItem $raw -Filter 'pester*.xml' | Import-X0TestReport -OutputDirectory (Join-Path $dir 'imported') -ErrorAction SilentlyContinue
        } finally { Pop-Location }
        ($imported.Passed, $imported.Failed, $imported.Skipped) | Should -Be @($gates.Passed, $gates.Failed, $gates.Skipped)
        $imported.LineCoverage | Should -Be $gates.LineCoverage
        @($imported.Gates | Where-Object Name -eq 'Test').Tool | Should -Be 'Pester'
        $f = @($imported.Failures)[0]
        ($f.Test, $f.Message, $f.File, $f.Line) | Should -Be @(@($gates.Failures)[0].Test, @($gates.Failures)[0].Message, @($gates.Failures)[0].File, @($gates.Failures)[0].Line)
    }

    It 'writes the job summary and the step outputs in GitHub Actions' {
        $dir = New-X0TempDirectory 'import-actions'
        $file = Copy-Report $dir 'junit.xml' 'producers/jest-junit.xml'
        $env:GITHUB_ACTIONS = 'true'
        $env:GITHUB_OUTPUT = Join-Path $dir 'output'
        $env:GITHUB_STEP_SUMMARY = Join-Path $dir 'summary'
        try {
            Import-X0TestReport -LiteralPath $file -OutputDirectory (Join-Path $dir 'out') -ErrorAction SilentlyContinue | Out-Null
        } finally { $env:GITHUB_ACTIONS = $null; $env:GITHUB_OUTPUT = $null; $env:GITHUB_STEP_SUMMARY = $null }
        $outputs = Get-Content -Raw (Join-Path $dir 'output')
        $outputs | Should -Match 'passed=1'
        $outputs | Should -Match 'failed=3'
        $outputs | Should -Match 'succeeded=false'
        Get-Content -Raw (Join-Path $dir 'summary') | Should -Match 'cart totals applies the discount'
    }

    It 'has help with examples' {
        (Get-Help Import-X0TestReport -Examples).Examples.Example.Count | Should -BeGreaterOrEqual 3
    }
}

Describe 'Publish-X0Release gates' -Skip:$PythonToolsMissing {
    It 'gates on an earlier job''s reports with -TestReport: a failed test stops the release, passing reports let it through' {
        $repo = New-SampleRelease 'release-reports'
        $inbox = New-X0TempDirectory 'release-reports-in'
        $failing = Copy-Report $inbox 'failing/junit.xml' 'producers/surefire.xml'
        $release = Publish-X0Release -Path $repo -Package None -TestReport $failing -ErrorVariable err -ErrorAction SilentlyContinue
        $gates = $release.Steps | Where-Object Name -eq 'Gates'
        $gates.Status | Should -Be 'Failed'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.GatesFailed,*'
        ($release.Steps | Where-Object Name -eq 'Assets').Status | Should -Be 'Skipped'

        $passing = Join-Path $inbox 'passing/junit.xml'
        New-Item -ItemType Directory -Force (Split-Path $passing) | Out-Null
        Set-Content $passing '<testsuites><testsuite name="pytest" tests="2" failures="0" errors="0" skipped="0"><testcase classname="tests.test_a" name="test_one" time="0.1"/><testcase classname="tests.test_a" name="test_two" time="0.1"/></testsuite></testsuites>'
        $ok = Publish-X0Release -Path $repo -Package None -TestReport (Join-Path $inbox 'pass*/junit.xml')
        ($ok.Steps | Where-Object Name -eq 'Gates').Status | Should -Be 'Done'
        $ok.TestRun.Passed | Should -Be 2
        $ok.Succeeded | Should -BeTrue
    }

    It 'a gate whose tool is missing fails the release unless -OptionalGate names it; no gate at all is refused; -SkipTests skips' {
        $repo = New-SampleRelease 'release-absent' "`n[tool.x0tta6bl4.gates]`nlint = `"ruff`"`ntype = `"none`"`nformat = `"none`"`n"
        $release = Publish-X0Release -Path $repo -Package None -ErrorVariable err -ErrorAction SilentlyContinue
        ($release.Steps | Where-Object Name -eq 'Gates').Status | Should -Be 'Failed'
        $release.Succeeded | Should -BeFalse
        $err[0].Exception.Message | Should -Match 'ruff'
        ($release.Steps | Where-Object Name -eq 'Notes').Status | Should -Be 'Skipped'

        $ok = Publish-X0Release -Path $repo -Package None -OptionalGate Lint -WarningVariable warn -WarningAction SilentlyContinue
        ($ok.Steps | Where-Object Name -eq 'Gates').Status | Should -Be 'Done'
        $ok.TestRun.Passed | Should -BeGreaterThan 0
        "$warn" | Should -Match 'ruff'

        $none = New-SampleRelease 'release-none' "`n[tool.x0tta6bl4.gates]`ntest = `"none`"`nlint = `"ruff`"`ntype = `"none`"`nformat = `"none`"`n"
        $refused = Publish-X0Release -Path $none -Package None -OptionalGate All -ErrorVariable noneErr -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        ($refused.Steps | Where-Object Name -eq 'Gates').Status | Should -Be 'Failed'
        $noneErr[0].Exception.Message | Should -Match 'no gate ran'

        $skipped = Publish-X0Release -Path $none -Package None -SkipTests
        ($skipped.Steps | Where-Object Name -eq 'Gates').Status | Should -Be 'Skipped'
        $skipped.Succeeded | Should -BeTrue
    }
}

#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Invoke-X0Test against the real tools (pytest, pytest-cov, flake8, mypy, black, Pester), through the staged module.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:Sample = Get-X0SamplePath
    $script:Fixtures = Join-Path $PSScriptRoot '../Fixtures' | Resolve-Path | Select-Object -ExpandProperty Path
    # These tests decide themselves when they are "in CI" (NotAvailable gates fail there).
    $script:SavedEnv = @{}
    foreach ($name in 'CI', 'GITHUB_ACTIONS', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'X0_PESTER_PATH') {
        $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $script:PythonToolsMissing = $true
    if (Test-Path /usr/bin/python3) {
        & /usr/bin/python3 -c 'import pytest, pytest_cov, flake8, mypy, black' 2>$null
        $script:PythonToolsMissing = $LASTEXITCODE -ne 0
    }

    function New-SampleCopy {
        $dir = New-X0TempDirectory 'gates-sample'
        Copy-Item -Path (Join-Path $script:Sample '*') -Destination $dir -Recurse
        Get-ChildItem -Path $script:Sample -Force -Filter '.*' | Copy-Item -Destination $dir -Recurse -Force
        $dir
    }

    function New-CalcProject {
        # A small Python project that passes every gate until a test spoils it.
        $dir = New-X0TempDirectory 'gates-calc'
        New-Item -ItemType Directory -Force -Path "$dir/src/calc", "$dir/tests" | Out-Null
        Set-Content -Path "$dir/pyproject.toml" -Value "[project]`nname = `"calc`"`nversion = `"1.0.0`"`n`n[tool.pytest.ini_options]`npythonpath = [`"src`"]`n`n[tool.coverage.run]`nsource = [`"calc`"]`n"
        Set-Content -Path "$dir/src/calc/__init__.py" -Value "`"`"`"A tiny calculator.`"`"`"`n`n`ndef add(a: int, b: int) -> int:`n    return a + b"
        Set-Content -Path "$dir/tests/test_calc.py" -Value "from calc import add`n`n`ndef test_add() -> None:`n    assert add(1, 2) == 3"
        $dir
    }

    function Get-PwshCommand {
        $exe = [Environment]::ProcessPath
        if ((Split-Path -Leaf $exe) -like 'dotnet*') { @($exe, (Join-Path $PSHOME 'pwsh.dll')) } else { @($exe) }
    }
}

AfterAll {
    foreach ($name in $script:SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnv[$name]) }
}

Describe 'Invoke-X0Test on the sample project' -Skip:$PythonToolsMissing {
    It 'passes every gate and returns one typed object with the artifacts' {
        $dir = New-SampleCopy
        $run = Invoke-X0Test -Path $dir -CoverageThreshold 75 -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $run | Should -BeOfType ([X0tta6bl4.Models.X0TestRun])
        $run.Succeeded | Should -BeTrue
        $run.ProjectKind | Should -Be 'Python'
        $run.Gates.Name | Should -Be @('Test', 'Lint', 'Type', 'Format', 'Coverage')
        $run.Gates.Tool | Should -Be @('pytest', 'flake8', 'mypy', 'black', 'coverage.py')
        $run.Gates.Status | Sort-Object -Unique | Should -Be 'Passed'
        $run.Failed + $run.Errors | Should -Be 0
        $run.LineCoverage | Should -BeGreaterOrEqual 75

        # The counts are the ones pytest wrote.
        [xml] $junit = Get-Content -Raw (Join-Path $dir 'artifacts/junit.xml')
        $run.Passed | Should -Be ([int]$junit.testsuites.tests)
        Push-Location $dir
        try { $collected = @(& /usr/bin/python3 -m pytest --collect-only -q -o addopts= -p no:cacheprovider | Where-Object { $_ -like '*::*' }) } finally { Pop-Location }
        $run.Passed | Should -Be $collected.Count
        $run.Artifacts | ForEach-Object { $_ | Should -Exist }
        (Split-Path -Leaf $run.Artifacts) | Should -Be @('junit.xml', 'coverage.xml', 'test-report.md')
        Get-Content -Raw (Join-Path $dir 'artifacts/test-report.md') | Should -Match 'Quality gates: passed'
    }

    It 'has format views and binds -Path by property name' {
        $dir = New-SampleCopy
        $run = [pscustomobject]@{ Path = $dir } | Invoke-X0Test -Gate Lint, Format
        $run.Gates.Name | Should -Be @('Lint', 'Format')
        ($run | Format-Table | Out-String) | Should -Match 'Passed'
        ($run.Gates | Format-Table | Out-String) | Should -Match 'flake8'
    }
}

Describe 'Invoke-X0Test Python matrix' -Skip:$PythonToolsMissing {
    It 'reads -PythonVersion 3.10 typed as a number as 3.10 and reports a missing interpreter per entry' {
        $dir = New-CalcProject
        $run = Invoke-X0Test -Path $dir -Gate Test -PythonVersion 3.11, 3.10, 3.99 -WarningAction SilentlyContinue
        $run.Gates.PythonVersion | Should -Be @('3.10', '3.11', '3.99')
        ($run.Gates | Where-Object PythonVersion -eq '3.11').Status | Should -Be 'Passed'
        $missing = $run.Gates | Where-Object PythonVersion -eq '3.99'
        $missing.Status | Should -Be 'NotAvailable'
        $missing.InstallHint | Should -Match 'Install Python 3.99'
    }
}

Describe 'Invoke-X0Test on failing projects' -Skip:$PythonToolsMissing {
    It 'writes the object first, then a non-terminating X0.GatesFailed error' {
        $dir = New-CalcProject
        Add-Content -Path "$dir/tests/test_calc.py" -Value "`n`ndef test_add_wrong() -> None:`n    assert add(2, 2) == 5"
        $items = @(Invoke-X0Test -Path $dir -Gate Test -ErrorAction Continue 2>&1)
        $items[0] | Should -BeOfType ([X0tta6bl4.Models.X0TestRun])
        $items[1] | Should -BeOfType ([System.Management.Automation.ErrorRecord])
        $items[1].FullyQualifiedErrorId | Should -Be 'X0.GatesFailed,X0tta6bl4.Commands.InvokeX0TestCommand'
        $items[1].CategoryInfo.Category | Should -Be 'InvalidResult'

        $run = $items[0]
        $run.Succeeded | Should -BeFalse
        $run.Passed | Should -Be 1
        $run.Failed | Should -Be 1
        $run.Failures | Should -HaveCount 1
        $failure = @($run.Failures)[0]
        $failure.Test | Should -Be 'test_add_wrong'
        $failure.File | Should -Be 'tests/test_calc.py'
        $failure.Line | Should -Be (Select-String -Path "$dir/tests/test_calc.py" -Pattern 'assert add\(2, 2\) == 5').LineNumber
        $failure.Message | Should -Match 'assert 4 == 5'

        { Invoke-X0Test -Path $dir -Gate Test -ErrorAction Stop } | Should -Throw -ErrorId 'X0.GatesFailed,X0tta6bl4.Commands.InvokeX0TestCommand'
        Invoke-X0Test -Path $dir -Gate Test -ErrorAction SilentlyContinue | Out-Null
        $? | Should -BeFalse
    }

    It 'reports flake8 findings as diagnostics with the file, line and code flake8 printed' {
        $dir = New-CalcProject
        Set-Content -Path "$dir/src/calc/__init__.py" -Value "`"`"`"A tiny calculator.`"`"`"`n`nimport sys`n`n`ndef add(a: int, b: int) -> int:`n    return a + b"
        $run = Invoke-X0Test -Path $dir -Gate Lint -ErrorAction SilentlyContinue
        $expected = & /usr/bin/python3 -m flake8 --format '%(path)s|%(row)d|%(col)d|%(code)s' (Join-Path $dir 'src')
        $expected | Should -HaveCount 1
        $file, $line, $col, $code = $expected -split '\|'
        $run.Diagnostics | Should -HaveCount 1
        $d = @($run.Diagnostics)[0]
        $d | Should -BeOfType ([X0tta6bl4.Models.X0Diagnostic])
        $d.File | Should -Be 'src/calc/__init__.py'
        $d.Line | Should -Be ([int]$line)
        $d.Column | Should -Be ([int]$col)
        $d.Code | Should -Be $code
        $d.Tool | Should -Be 'flake8'
        $run.Gates[0].Diagnostics | Should -HaveCount 1
    }

    It 'fails the Coverage gate below the threshold with the figure coverage.py measured' {
        $dir = New-CalcProject
        Add-Content -Path "$dir/src/calc/__init__.py" -Value "`n`ndef unused(a: int) -> int:`n    b = a * 2`n    c = b + 1`n    return c"
        $run = Invoke-X0Test -Path $dir -Gate Test -CoverageThreshold 80 -ErrorAction SilentlyContinue -ErrorVariable err
        [xml] $cov = Get-Content -Raw (Join-Path $dir 'artifacts/coverage.xml')
        $run.LineCoverage | Should -Be ([math]::Round([double]$cov.coverage.'line-rate' * 100, 2))
        ($run.Gates | Where-Object Name -eq 'Coverage').Status | Should -Be 'Failed'
        ($run.Gates | Where-Object Name -eq 'Test').Status | Should -Be 'Passed'
        $err[0].Exception.Message | Should -Match 'below the threshold 80%'
    }
}

Describe 'Invoke-X0Test on a PowerShell module' {
    BeforeAll {
        $script:PesterBase = (Get-Module Pester).ModuleBase
    }

    It 'runs Pester (found through X0_PESTER_PATH) with the counts, file and line Pester reported' {
        $dir = New-X0TempDirectory 'gates-psmodule'
        Copy-Item -Path (Join-Path $Fixtures 'ps-module/*') -Destination $dir -Recurse
        # build/Pester.Restore.csproj restores two versions: point the variable at the older one to prove it wins.
        $older = Join-Path (Split-Path (Split-Path $PesterBase)) '5.7.1/tools/Pester.psd1'
        $chosen = if (Test-Path $older) { $older } else { Join-Path $PesterBase 'Pester.psd1' }
        $env:X0_PESTER_PATH = $chosen
        try {
            $run = Invoke-X0Test -Path $dir -Gate Test -ErrorAction SilentlyContinue
        } finally { $env:X0_PESTER_PATH = $null }
        $run.ProjectKind | Should -Be 'PowerShell'
        $test = $run.Gates | Where-Object Name -eq 'Test'
        $test.Tool | Should -Be 'Pester'
        $test.Command | Should -BeLike "*$chosen*"
        $test.Status | Should -Be 'Failed'
        $run.Passed | Should -Be 3
        $run.Failed | Should -Be 1
        $run.Skipped | Should -Be 1
        $run.Failures | Should -HaveCount 1
        $f = @($run.Failures)[0]
        $f.Test | Should -Be 'Get-Farewell.says goodbye'
        $f.File | Should -Be 'tests/Greeter.Tests.ps1'
        $f.Line | Should -Be 16
        $run.LineCoverage | Should -BeGreaterThan 0
    }

    It 'reports PSScriptAnalyzer as NotAvailable with the install hint; alone it means nothing ran; -Strict makes it an error' -Skip:([bool](Get-Module -ListAvailable PSScriptAnalyzer)) {
        $dir = New-X0TempDirectory 'gates-psmodule'
        Copy-Item -Path (Join-Path $Fixtures 'ps-module/*') -Destination $dir -Recurse
        $run = Invoke-X0Test -Path $dir -Gate Lint -WarningVariable warn -WarningAction SilentlyContinue -ErrorVariable err -ErrorAction SilentlyContinue
        $run.Gates | Should -HaveCount 1
        $lint = @($run.Gates)[0]
        $lint.Tool | Should -Be 'PSScriptAnalyzer'
        $lint.Status | Should -Be 'NotAvailable'
        $lint.InstallHint | Should -Match 'Install-PSResource PSScriptAnalyzer'
        # The only gate asked for could not run: said plainly, and never a success.
        $run.Succeeded | Should -BeFalse
        $run.Status | Should -Be 'NothingRan'
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.NoGateRan,*'
        $err[0].Exception.Message | Should -Match 'Install-PSResource PSScriptAnalyzer'
        $warn | Should -Not -BeNullOrEmpty
        ($run | Format-Table | Out-String) | Should -Match 'NothingRan'

        { Invoke-X0Test -Path $dir -Gate Lint -Strict -ErrorAction Stop } | Should -Throw -ErrorId 'X0.ToolNotAvailable,X0tta6bl4.Commands.InvokeX0TestCommand'
        $env:CI = 'true'
        try {
            $ci = Invoke-X0Test -Path $dir -Gate Lint -ErrorAction SilentlyContinue -ErrorVariable ciErr
        } finally { $env:CI = $null }
        $ci.Succeeded | Should -BeFalse
        $ciErr[0].FullyQualifiedErrorId | Should -BeLike 'X0.ToolNotAvailable,*'
        $ciErr[0].CategoryInfo.Category | Should -Be 'NotInstalled'
    }
}

Describe 'Invoke-X0Test input errors' {
    It 'says what it looked for when the folder holds no project' {
        $dir = New-X0TempDirectory 'gates-empty'
        Set-Content -Path (Join-Path $dir 'README.txt') -Value 'no code here'
        { Invoke-X0Test -Path $dir -ErrorAction Stop } | Should -Throw -ErrorId 'X0.NotAProject,X0tta6bl4.Commands.InvokeX0TestCommand'
        $Error[0].Exception.Message | Should -Match 'pyproject.toml'
        $Error[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'has help with examples' {
        $help = Get-Help Invoke-X0Test -Full
        $help.Examples.Example.Count | Should -BeGreaterOrEqual 3
        ($help.Parameters.Parameter | Where-Object Name -eq 'CoverageThreshold').Description.Text | Should -Match 'percent'
    }
}

Describe 'Invoke-X0Test under Ctrl+C and in GitHub Actions' -Skip:$PythonToolsMissing {
    It 'stopping the pipeline kills the tools and their children' {
        $dir = New-CalcProject
        $pidFile = Join-Path $dir 'grandchild.pid'
        Add-Content -Path "$dir/tests/test_calc.py" -Value "`n`ndef test_slow() -> None:`n    import subprocess`n    import time`n`n    child = subprocess.Popen(['sleep', '300'])`n    with open('$pidFile', 'w') as f:`n        f.write(str(child.pid))`n    time.sleep(300)"
        $ps = [powershell]::Create()
        [void]$ps.AddScript("Import-Module '$(Get-X0ModulePath)'; Invoke-X0Test -Path '$dir' -Gate Test")
        $async = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not ((Test-Path $pidFile) -and (Get-Content -Raw $pidFile))) {
            if ([DateTime]::UtcNow -gt $deadline) { throw 'the test never started its child process' }
            Start-Sleep -Milliseconds 100
        }
        $grandchild = [int](Get-Content -Raw $pidFile)
        $ps.Stop()
        $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((Get-Process -Id $grandchild -ErrorAction SilentlyContinue) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Get-Process -Id $grandchild -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ps.Dispose()
    }

    It 'writes annotations, the job summary and the step outputs' {
        $dir = New-CalcProject
        Add-Content -Path "$dir/tests/test_calc.py" -Value "`n`ndef test_add_wrong() -> None:`n    assert add(2, 2) == 5"
        $outputFile = Join-Path $dir 'github-output'
        $summaryFile = Join-Path $dir 'github-summary'
        $pwsh = Get-PwshCommand
        $env:GITHUB_ACTIONS = 'true'; $env:GITHUB_OUTPUT = $outputFile; $env:GITHUB_STEP_SUMMARY = $summaryFile
        try {
            $stdout = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "Import-Module '$(Get-X0ModulePath)'; Invoke-X0Test -Path '$dir' -Gate Test -ErrorAction SilentlyContinue | Out-Null"
        } finally {
            $env:GITHUB_ACTIONS = $null; $env:GITHUB_OUTPUT = $null; $env:GITHUB_STEP_SUMMARY = $null
        }
        $line = (Select-String -Path "$dir/tests/test_calc.py" -Pattern 'assert add\(2, 2\) == 5').LineNumber
        @($stdout) -match '^::error ' | Should -HaveCount 1
        @($stdout) -match "^::error title=Test failed,file=.*tests/test_calc.py,line=$line::" | Should -HaveCount 1
        $outputs = Get-Content -Raw $outputFile
        $outputs | Should -Match '(?m)^passed=1$'
        $outputs | Should -Match '(?m)^failed=1$'
        $outputs | Should -Match '(?m)^coverage=100$'
        Get-Content -Raw $summaryFile | Should -Match '\| \. \| Test \| pytest \|'
    }
}

#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Step-X0Version and its remote: one ls-remote (tags, and the branch when pushing) runs while the
# local checks go on; its answers and errors must still come out exactly as if read in sequence.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:Sample = Get-X0SamplePath
}

Describe 'Step-X0Version against its remote' {
    BeforeEach {
        $script:Repo = New-X0GitRepository -From $script:Sample -Name 'remote' -WithRemote
        $script:Origin = "$script:Repo-origin.git"
        Push-Location $script:Repo
    }
    AfterEach { Pop-Location }

    It 'refuses -Push when the branch is behind its remote, before changing anything' {
        $other = New-X0TempDirectory 'ahead'
        & git clone -q $Origin $other
        & git -C $other -c user.name=o -c user.email=o@e commit -q --allow-empty -m 'fix: someone else'
        & git -C $other push -q origin main
        $before = Get-X0TreeSnapshot $Repo

        { Step-X0Version -Minor -Push -ErrorAction Stop } | Should -Throw -ErrorId 'X0.BranchBehindRemote,X0tta6bl4.Commands.StepX0VersionCommand'
        $Error[0].Exception.Message | Should -Match 'git pull --rebase origin main'
        Get-X0TreeSnapshot $Repo | Should -Be $before
    }

    It 'pushes when the remote branch is behind the local one' {
        Invoke-Git $Repo commit -q --allow-empty -m 'feat: local work' | Out-Null
        $change = Step-X0Version -Minor -Push
        $change.Pushed | Should -BeTrue
        & git -C $Origin rev-parse main | Should -Be $change.Commit
    }

    It '-WhatIf with an unreachable remote warns, still plans the bump and changes nothing' {
        Invoke-Git $Repo remote set-url origin (Join-Path $Repo 'no-such-remote.git') | Out-Null
        $before = Get-X0TreeSnapshot $Repo

        $verbose = Step-X0Version -Minor -WhatIf -Verbose -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable errors 4>&1 | Out-String

        @($errors).Count | Should -Be 0
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Match "Could not read tags from 'origin'"
        $verbose | Should -Match 'Version 3\.2\.0 → 3\.3\.0'
        Get-X0TreeSnapshot $Repo | Should -Be $before
    }

    It '-Push with an unreachable remote fails before changing anything' {
        Invoke-Git $Repo remote set-url origin (Join-Path $Repo 'no-such-remote.git') | Out-Null
        $before = Get-X0TreeSnapshot $Repo

        { Step-X0Version -Minor -Push -ErrorAction Stop } | Should -Throw -ErrorId 'X0.RemoteNotFound,X0tta6bl4.Commands.StepX0VersionCommand'
        $Error[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        Get-X0TreeSnapshot $Repo | Should -Be $before
    }

    It 'reports the local problem (dirty tree), not the remote one, when both exist' {
        Invoke-Git $Repo remote set-url origin (Join-Path $Repo 'no-such-remote.git') | Out-Null
        Add-Content -Path src/mape_k/loop.py -Value '# local edit'

        { Step-X0Version -Minor -Push -ErrorAction Stop } | Should -Throw -ErrorId 'X0.DirtyWorkingTree,X0tta6bl4.Commands.StepX0VersionCommand'
        Invoke-Git $Repo tag | Should -BeNullOrEmpty
    }

    It '-NoTag -Push reads only the branch and pushes the bump commit' {
        $change = Step-X0Version -Patch -NoTag -Push
        $change.Tag | Should -BeNullOrEmpty
        $change.Pushed | Should -BeTrue
        & git -C $Origin rev-parse main | Should -Be $change.Commit
        & git -C $Origin tag | Should -BeNullOrEmpty
    }
}

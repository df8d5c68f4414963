@{
    # The module version has one source: this line. MSBuild reads it (Directory.Build.props) and
    # build.ps1 fails when the compiled assembly disagrees.
    ModuleVersion        = '0.1.0'
    RootModule           = 'X0tta6bl4.dll'
    GUID                 = '5b0d6c1e-7a43-4c39-9f0e-2d8f3c6a4b71'
    Author               = 'x0tta6bl4 maintainers'
    CompanyName          = 'x0tta6bl4'
    Copyright            = '(c) x0tta6bl4 maintainers. MIT License.'
    Description          = 'Release pipeline as PowerShell cmdlets: quality gates, semantic versions, container images, GitHub releases and run history - verified, resumable and honest under -WhatIf.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('x0tta6bl4.format.ps1xml', 'x0tta6bl4.version.format.ps1xml', 'x0tta6bl4.workflows.format.ps1xml', 'x0tta6bl4.changelog.format.ps1xml')
    CmdletsToExport      = @(
        'Step-X0Version'
        'Get-X0Version'
        'Publish-X0Release'
        'Get-X0Run'
        'Get-X0RunLog'
        'Wait-X0Run'
        'Invoke-X0Test'
        'Import-X0TestReport'
        'Build-X0Image'
        'Get-X0ReleaseNote'
        'Build-X0Package'
        'New-X0Workflow'
        'Update-X0Changelog'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('release', 'semver', 'changelog', 'conventional-commits', 'ci', 'github-actions', 'docker', 'pypi')
            LicenseUri   = 'https://github.com/x0tta6bl4/x0tta6bl4/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/x0tta6bl4/x0tta6bl4'
            ReleaseNotes = 'https://github.com/x0tta6bl4/x0tta6bl4/blob/main/CHANGELOG.md'
            Prerelease   = ''
        }
    }
}

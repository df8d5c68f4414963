@{
    ModuleVersion     = '1.0.0'
    RootModule        = 'Greeter.psm1'
    GUID              = '0f5e8c2a-3b7d-4e61-9a4c-1d2e3f4a5b6c'
    Author            = 'x0tta6bl4 fixtures'
    Description       = 'A tiny module whose Pester tests Invoke-X0Test runs.'
    FunctionsToExport = @('Get-Greeting', 'Get-Farewell')
}

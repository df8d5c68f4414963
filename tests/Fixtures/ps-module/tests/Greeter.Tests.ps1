BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../Greeter.psd1') -Force
}

Describe 'Get-Greeting' {
    It 'greets the world by default' {
        Get-Greeting | Should -Be 'Hello, world!'
    }
    It 'greets by name' {
        Get-Greeting -Name 'Ada' | Should -Be 'Hello, Ada!'
    }
}

Describe 'Get-Farewell' {
    It 'says goodbye' {
        Get-Farewell -Name 'Ada' | Should -Be 'Goodbye, Ada!'
    }
    It 'requires a name' {
        { Get-Farewell } | Should -Throw 'A name is required.'
    }
    It 'is not ready for languages' -Skip {
        Get-Farewell -Name 'Ada' -Language fr | Should -Be 'Au revoir, Ada.'
    }
}

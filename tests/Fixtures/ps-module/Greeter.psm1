function Get-Greeting {
    param([string] $Name = 'world')
    "Hello, $Name!"
}

function Get-Farewell {
    param([string] $Name)
    if (-not $Name) {
        throw 'A name is required.'
    }
    "Goodbye, $Name."
}

function Get-Unused {
    'never called'
}

Export-ModuleMember -Function Get-Greeting, Get-Farewell

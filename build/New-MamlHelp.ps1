<#
.SYNOPSIS
    Builds the module's MAML help from module/help/<Cmdlet>.md and the cmdlets' real metadata.
.DESCRIPTION
    The markdown pages are the source (synopsis, description, parameter texts, examples, notes);
    syntax, parameter types, positions, pipeline input and aliases come from Get-Command on the
    staged module, so help can never drift from the code. Fails when a cmdlet, a parameter or an
    example is undocumented.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $HelpSource,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$module = Import-Module $ModulePath -PassThru -Force
$common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
$problems = [System.Collections.Generic.List[string]]::new()

function ConvertFrom-HelpMarkdown([string] $Path) {
    $page = @{ Synopsis = ''; Description = ''; Parameters = @{}; Examples = @(); Inputs = @(); Outputs = @(); Notes = ''; Links = @() }
    $section = $null; $sub = $null
    $buffer = [System.Text.StringBuilder]::new()
    $flush = {
        $text = $buffer.ToString().Trim()
        [void]$buffer.Clear()
        switch ($section) {
            'SYNOPSIS' { $page.Synopsis = $text }
            'DESCRIPTION' { $page.Description = $text }
            'PARAMETERS' { if ($sub) { $page.Parameters[$sub.TrimStart('-')] = $text } }
            'EXAMPLES' {
                if ($sub) {
                    $code = ''; $remarks = $text
                    if ($text -match '(?s)```(?:powershell|pwsh)?\s*\n(.*?)\n```(.*)$') { $code = $Matches[1].Trim(); $remarks = $Matches[2].Trim() }
                    $page.Examples += [pscustomobject]@{ Title = $sub; Code = $code; Remarks = $remarks }
                }
            }
            'INPUTS' { if ($sub) { $page.Inputs += [pscustomobject]@{ Type = $sub; Text = $text } } }
            'OUTPUTS' { if ($sub) { $page.Outputs += [pscustomobject]@{ Type = $sub; Text = $text } } }
            'NOTES' { $page.Notes = $text }
            'RELATED LINKS' { $page.Links = @($text -split "`n" | ForEach-Object { $_.Trim().TrimStart('-', '*').Trim() } | Where-Object { $_ }) }
        }
    }
    foreach ($line in Get-Content $Path) {
        if ($line -match '^## (.+)$') { & $flush; $section = $Matches[1].Trim().ToUpperInvariant(); $sub = $null; continue }
        if ($line -match '^### (.+)$' -and $section -ne 'DESCRIPTION' -and $section -ne 'NOTES') { & $flush; $sub = $Matches[1].Trim(); continue }
        if ($line -match '^# ') { continue }
        [void]$buffer.AppendLine($line)
    }
    & $flush
    $page
}

$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
New-Item -ItemType Directory -Force -Path (Split-Path $OutputPath) | Out-Null
$w = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
$maml = 'http://schemas.microsoft.com/maml/2004/10'
$cmd = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Paras([string] $Text) {
    $w.WriteStartElement('maml', 'description', $maml)
    foreach ($p in ($Text -split "(\r?\n){2,}" | Where-Object { $_.Trim() })) {
        $w.WriteElementString('maml', 'para', $maml, ($p -replace '\r?\n', ' ').Trim())
    }
    $w.WriteEndElement()
}

function Write-Parameter($Name, $Meta, $SetMeta, $Text) {
    $type = $Meta.ParameterType
    $isSwitch = $type -eq [System.Management.Automation.SwitchParameter]
    $pipeline = @()
    if ($SetMeta -and $SetMeta.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($SetMeta -and $SetMeta.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $w.WriteStartElement('command', 'parameter', $cmd)
    $w.WriteAttributeString('required', $(if ($SetMeta -and $SetMeta.IsMandatory) { 'true' } else { 'false' }))
    $w.WriteAttributeString('variableLength', 'true')
    $w.WriteAttributeString('globbing', 'false')
    $w.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
    $w.WriteAttributeString('position', $(if ($SetMeta -and $SetMeta.Position -ge 0) { [string]($SetMeta.Position + 1) } else { 'named' }))
    $w.WriteAttributeString('aliases', $(if ($Meta.Aliases.Count) { $Meta.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $maml, $Name)
    Write-Paras $Text
    if (-not $isSwitch) {
        $w.WriteStartElement('command', 'parameterValue', $cmd)
        $w.WriteAttributeString('required', 'true')
        $w.WriteAttributeString('variableLength', 'false')
        $w.WriteString($type.Name)
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $dev)
    $w.WriteElementString('maml', 'name', $maml, $type.FullName)
    $w.WriteEndElement()
    $w.WriteEndElement()
}

$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')
foreach ($command in Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name) {
    $md = Join-Path $HelpSource "$($command.Name).md"
    if (-not (Test-Path $md)) { $problems.Add("$($command.Name): no help page $md"); continue }
    $page = ConvertFrom-HelpMarkdown $md
    if (-not $page.Synopsis) { $problems.Add("$($command.Name): empty SYNOPSIS") }
    if (-not $page.Description) { $problems.Add("$($command.Name): empty DESCRIPTION") }
    if ($page.Examples.Count -eq 0 -or ($page.Examples | Where-Object { -not $_.Code })) { $problems.Add("$($command.Name): every cmdlet needs examples with code") }
    $parameters = $command.Parameters.Values | Where-Object { $_.Name -notin $common -or $_.Name -in 'WhatIf', 'Confirm' }
    foreach ($p in $parameters) {
        if ($p.Name -in 'WhatIf', 'Confirm') { continue }
        if (-not $page.Parameters.ContainsKey($p.Name) -or -not $page.Parameters[$p.Name]) { $problems.Add("$($command.Name): parameter -$($p.Name) is not documented") }
    }
    foreach ($documented in $page.Parameters.Keys) {
        if (-not $command.Parameters.ContainsKey($documented)) { $problems.Add("$($command.Name): documents -$documented, which does not exist") }
    }
    $texts = @{ WhatIf = 'Shows what would happen — every read-only check is performed — without changing anything.'; Confirm = 'Asks for confirmation before each change.' }
    foreach ($k in $page.Parameters.Keys) { $texts[$k] = $page.Parameters[$k] }

    $w.WriteStartElement('command', 'command', $cmd)
    $w.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $w.WriteAttributeString('xmlns', 'dev', $null, $dev)
    $w.WriteStartElement('command', 'details', $cmd)
    $w.WriteElementString('command', 'name', $cmd, $command.Name)
    $w.WriteElementString('command', 'verb', $cmd, $command.Verb)
    $w.WriteElementString('command', 'noun', $cmd, $command.Noun)
    Write-Paras $page.Synopsis
    $w.WriteEndElement()
    Write-Paras $page.Description

    $w.WriteStartElement('command', 'syntax', $cmd)
    foreach ($set in $command.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $cmd)
        $w.WriteElementString('maml', 'name', $maml, $command.Name)
        foreach ($sp in $set.Parameters | Where-Object { $_.Name -notin $common -or $_.Name -in 'WhatIf', 'Confirm' }) {
            $meta = $command.Parameters[$sp.Name]
            Write-Parameter $sp.Name $meta $sp ($texts[$sp.Name] ?? '')
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $cmd)
    foreach ($p in $parameters | Sort-Object Name) {
        $setMeta = $p.ParameterSets.Values | Select-Object -First 1
        $mandatoryAnywhere = $p.ParameterSets.Values | Where-Object IsMandatory | Select-Object -First 1
        Write-Parameter $p.Name $p ($mandatoryAnywhere ?? $setMeta) ($texts[$p.Name] ?? '')
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'inputTypes', $cmd)
    foreach ($i in $page.Inputs) {
        $w.WriteStartElement('command', 'inputType', $cmd)
        $w.WriteStartElement('dev', 'type', $dev); $w.WriteElementString('maml', 'name', $maml, $i.Type); $w.WriteEndElement()
        Write-Paras $i.Text
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteStartElement('command', 'returnValues', $cmd)
    foreach ($o in $page.Outputs) {
        $w.WriteStartElement('command', 'returnValue', $cmd)
        $w.WriteStartElement('dev', 'type', $dev); $w.WriteElementString('maml', 'name', $maml, $o.Type); $w.WriteEndElement()
        Write-Paras $o.Text
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    if ($page.Notes) {
        $w.WriteStartElement('maml', 'alertSet', $maml)
        $w.WriteStartElement('maml', 'alert', $maml)
        foreach ($p in ($page.Notes -split "(\r?\n){2,}" | Where-Object { $_.Trim() })) { $w.WriteElementString('maml', 'para', $maml, ($p -replace '\r?\n', ' ').Trim()) }
        $w.WriteEndElement(); $w.WriteEndElement()
    }
    $w.WriteStartElement('command', 'examples', $cmd)
    foreach ($e in $page.Examples) {
        $w.WriteStartElement('command', 'example', $cmd)
        $w.WriteElementString('maml', 'title', $maml, "---------- $($e.Title) ----------")
        $w.WriteElementString('dev', 'code', $dev, $e.Code)
        $w.WriteStartElement('dev', 'remarks', $dev)
        foreach ($p in ($e.Remarks -split "(\r?\n){2,}" | Where-Object { $_.Trim() })) { $w.WriteElementString('maml', 'para', $maml, ($p -replace '\r?\n', ' ').Trim()) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteStartElement('command', 'relatedLinks', $cmd)
    foreach ($l in $page.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $maml)
        $w.WriteElementString('maml', 'linkText', $maml, $l)
        $w.WriteElementString('maml', 'uri', $maml, '')
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Dispose()

if ($problems.Count) {
    $problems | ForEach-Object { Write-Host "help: $_" }
    exit 1
}
exit 0

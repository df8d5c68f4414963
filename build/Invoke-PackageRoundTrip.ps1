#requires -Version 7.4
<#
.SYNOPSIS
    Packs the staged module into its nupkg with PSResourceGet and proves the package works the way a
    user gets it: Publish -> Find -> Save -> Import (in a new pwsh) -> a real Step-X0Version.
.DESCRIPTION
    1. Registers a uniquely named, trusted local PSResourceGet repository in a temp folder and
       publishes the staged module folder to it. The nupkg is copied to -OutputPath.
    2. Checks the nupkg: id and version match the manifest, every staged file is inside with the
       same bytes, the native libgit2 of each shipped RID and the MAML help (with every exported
       cmdlet) are present.
    3. Find-PSResource must see the package; Save-PSResource (never Install-PSResource, which writes
       to the real user module path) saves it to a temp folder, and the saved files must equal the
       staged ones.
    4. A NEW pwsh imports the saved module by name (PSModulePath points at the temp folder only for
       that process), runs Get-Help and `Step-X0Version -Patch` on a temp git repository copied from
       samples/python-project; the result object and the repository are asserted here.
    The temp repository is unregistered (and the temp folder removed) even on failure.

    PSResourceGet keeps its repository list under $XDG_DATA_HOME/PSResourceGet and reads that path
    once per process. This script points XDG_DATA_HOME at its temp folder before PSResourceGet is
    first used, so the user's list is not touched at all; run it in a fresh pwsh (build.ps1 and the
    Pester test do) for that to take effect. The unique name and the unregister in `finally` cover
    the case where PSResourceGet was already loaded.
.OUTPUTS
    With -PassThru, one object describing the package and the round trip (-ResultPath writes it as JSON).
#>
[CmdletBinding()]
param(
    # The staged module folder (out/x0tta6bl4/<version>), holding x0tta6bl4.psd1.
    [Parameter(Mandatory)] [string] $StagePath,
    # Where the nupkg is copied (out/packages).
    [Parameter(Mandatory)] [string] $OutputPath,
    # The project the saved module bumps (default: samples/python-project of this repository).
    [string] $SamplePath = (Join-Path $PSScriptRoot '../samples/python-project'),
    # Optional: the result object as JSON, for callers in another process (the Pester test).
    [string] $ResultPath,
    # The RIDs whose native libgit2 must be in the package.
    [string[]] $RuntimeIdentifiers = @('linux-x64', 'linux-arm64', 'osx-arm64', 'osx-x64', 'win-x64'),
    # RIDs whose ReadyToRun images (dependencies/r2r/<tfm>/<rid>/) must be in the package; a comma list is accepted.
    [string[]] $ReadyToRunRids = @(),
    # Keep the temp folder (feed, saved module, bumped repository) for inspection.
    [switch] $KeepTemp,
    # Also write the result object to the pipeline.
    [switch] $PassThru
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Add-Type -AssemblyName System.IO.Compression.FileSystem

function Get-FileSha256([string] $Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash }

function Get-StagedFile([string] $Root) {
    # Relative path (forward slashes) -> SHA256 of every file under $Root.
    $map = [ordered]@{}
    foreach ($f in Get-ChildItem -LiteralPath $Root -Recurse -File -Force | Sort-Object FullName) {
        $map[[System.IO.Path]::GetRelativePath($Root, $f.FullName).Replace('\', '/')] = Get-FileSha256 $f.FullName
    }
    $map
}

function Get-PwshInvocation {
    # The same pwsh that runs this script: the tool manifest's pwsh runs as `dotnet pwsh.dll`.
    $exe = [Environment]::ProcessPath
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        return @{ File = $exe; Prefix = @((Join-Path $PSHOME 'pwsh.dll')) }
    }
    @{ File = $exe; Prefix = @() }
}

function Invoke-Git {
    $repo = $args[0]
    $rest = @($args | Select-Object -Skip 1)
    $out = & git -C $repo @rest 2>&1
    if ($LASTEXITCODE -ne 0) { throw "git $($rest -join ' ') failed in ${repo}: $out" }
    $out
}

function Assert-That([bool] $Condition, [string] $Expected, [string] $Found, [string] $Fix) {
    if (-not $Condition) { throw "Package round trip: expected $Expected, but found $Found. $Fix" }
}

function Test-PackageContent {
    param([string] $Package, [System.Collections.Specialized.OrderedDictionary] $Staged, [string] $Name, [string] $Version, [string[]] $Cmdlets)
    $zip = [System.IO.Compression.ZipFile]::OpenRead($Package)
    try {
        $entries = @{}
        foreach ($e in $zip.Entries) { $entries[[uri]::UnescapeDataString($e.FullName)] = $e }

        $nuspecEntry = $entries["$Name.nuspec"]
        Assert-That ($null -ne $nuspecEntry) "$Name.nuspec in the package" 'none' 'Check what Publish-PSResource packed.'
        $reader = [System.IO.StreamReader]::new($nuspecEntry.Open())
        try { [xml] $nuspec = $reader.ReadToEnd() } finally { $reader.Dispose() }
        $meta = $nuspec.package.metadata
        Assert-That ($meta.id -eq $Name) "package id '$Name'" "'$($meta.id)'" 'The package id comes from the manifest file name.'
        Assert-That ($meta.version -eq $Version) "package version $Version (x0tta6bl4.psd1)" $meta.version 'ModuleVersion/Prerelease in x0tta6bl4.psd1 is the only version source.'

        foreach ($path in $Staged.Keys) {
            $entry = $entries[$path]
            Assert-That ($null -ne $entry) "staged file $path in the package" 'it missing' 'Publish-PSResource must pack the whole staged folder.'
            $stream = $entry.Open()
            try { $hash = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($stream)) } finally { $stream.Dispose() }
            Assert-That ($hash -eq $Staged[$path]) "$path in the package to equal the staged file" 'different bytes' 'Rebuild and package again.'
        }

        $natives = [ordered]@{}
        foreach ($rid in $RuntimeIdentifiers) {
            $suffix = if ($rid -like 'win-*') { '.dll' } elseif ($rid -like 'osx-*') { '.dylib' } else { '.so' }
            $lib = @($entries.Keys | Where-Object { $_ -like "dependencies/runtimes/$rid/native/*git2*$suffix" -and $entries[$_].Length -gt 0 })
            Assert-That ($lib.Count -eq 1) "the native libgit2 for $rid under dependencies/runtimes/$rid/native/" "$($lib.Count) matching file(s)" './build.ps1 Build stages them from LibGit2Sharp.NativeBinaries; check that it ran.'
            $natives[$rid] = $lib[0]
        }

        # ReadyToRun images: every r2r/<tfm>/<rid>/ folder holds exactly the portable dlls (the load
        # context swaps one for the other by name), and the required RIDs are there.
        # Assemblies the runtime itself ships (System.IO.Pipelines on .NET 10) have no image: the portable copy serves.
        $frameworkDir = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
        $portable = @($entries.Keys | Where-Object { $_ -match '^dependencies/[^/]+\.dll$' } | ForEach-Object { $_.Substring('dependencies/'.Length) } |
            Where-Object { -not (Test-Path (Join-Path $frameworkDir $_)) } | Sort-Object)
        $r2r = [ordered]@{}
        foreach ($key in $entries.Keys | Where-Object { $_ -match '^dependencies/r2r/[^/]+/[^/]+/[^/]+\.dll$' }) {
            $parts = $key.Split('/')
            $folder = "$($parts[2])/$($parts[3])"
            if (-not $r2r.Contains($folder)) { $r2r[$folder] = [System.Collections.Generic.List[string]]::new() }
            $r2r[$folder].Add($parts[4])
        }
        foreach ($folder in $r2r.Keys) {
            $names = @($r2r[$folder] | Sort-Object)
            Assert-That (($names -join ',') -eq ($portable -join ',')) "dependencies/r2r/$folder/ to hold the same dlls as dependencies/ ($($portable -join ', '))" ($names -join ', ') 'Rebuild: build.ps1 copies every portable dll the runtime does not ship into each ReadyToRun folder.'
        }
        foreach ($rid in $ReadyToRunRids) {
            Assert-That (@($r2r.Keys | Where-Object { $_ -like "*/$rid" }).Count -ge 1) "ReadyToRun images for $rid under dependencies/r2r/<tfm>/$rid/" "ReadyToRun for: $(@($r2r.Keys) -join ', ')" 'Run ./build.ps1 Package (it adds every shipped RID), not with -NoReadyToRun.'
        }

        $helpEntry = $entries['en-US/X0tta6bl4.dll-Help.xml']
        Assert-That ($null -ne $helpEntry) 'the MAML help en-US/X0tta6bl4.dll-Help.xml' 'none' 'Build generates it from module/help/*.md.'
        $reader = [System.IO.StreamReader]::new($helpEntry.Open())
        try { [xml] $help = $reader.ReadToEnd() } finally { $reader.Dispose() }
        $ns = [System.Xml.XmlNamespaceManager]::new($help.NameTable)
        $ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $documented = @($help.SelectNodes('//command:details/command:name', $ns) | ForEach-Object { $_.InnerText.Trim() })
        foreach ($c in $Cmdlets) {
            Assert-That ($documented -contains $c) "help for $c in the packaged MAML" "help for: $($documented -join ', ')" 'Add module/help/<Cmdlet>.md and rebuild.'
        }
        [pscustomobject]@{ Entries = $entries.Count; Natives = $natives; ReadyToRun = @($r2r.Keys); HelpCommands = $documented }
    } finally {
        $zip.Dispose()
    }
}

$StagePath = (Resolve-Path -LiteralPath $StagePath).Path
$ReadyToRunRids = @($ReadyToRunRids | ForEach-Object { $_ -split ',' } | ForEach-Object Trim | Where-Object { $_ })
$manifestPath = Get-ChildItem -LiteralPath $StagePath -Filter *.psd1 | Select-Object -First 1
Assert-That ($null -ne $manifestPath) "a module manifest in $StagePath" 'none' 'Run ./build.ps1 Build first.'
$manifest = Import-PowerShellDataFile -LiteralPath $manifestPath.FullName
$moduleName = $manifestPath.BaseName
$prerelease = $manifest.PrivateData.PSData.Prerelease
$version = $manifest.ModuleVersion + $(if ($prerelease) { "-$prerelease" } else { '' })
$cmdlets = @($manifest.CmdletsToExport)
$SamplePath = (Resolve-Path -LiteralPath $SamplePath).Path
$sampleMatch = Select-String -LiteralPath (Join-Path $SamplePath 'pyproject.toml') -Pattern '^version = "(\d+)\.(\d+)\.(\d+)"$' | Select-Object -First 1
Assert-That ($null -ne $sampleMatch) "a plain X.Y.Z version in $SamplePath/pyproject.toml" 'none' 'Pass -SamplePath with a released (non pre-release) Python project.'
$g = $sampleMatch.Matches[0].Groups
$sampleVersion = "$($g[1].Value).$($g[2].Value).$($g[3].Value)"
$expectedVersion = "$($g[1].Value).$($g[2].Value).$([int]$g[3].Value + 1)"

$temp = Join-Path ([System.IO.Path]::GetTempPath()) "x0-package-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
$feed = Join-Path $temp 'feed'
$saved = Join-Path $temp 'saved'
$xdg = Join-Path $temp 'xdg'
New-Item -ItemType Directory -Force -Path $feed, $saved, $xdg | Out-Null
$repositoryName = "x0tta6bl4-roundtrip-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
$previousXdg = $env:XDG_DATA_HOME
$registered = $false
$timer = [System.Diagnostics.Stopwatch]::StartNew()
try {
    if (Get-Module Microsoft.PowerShell.PSResourceGet) {
        Write-Warning "PSResourceGet is already loaded in this session, so the temp repository $repositoryName goes into your own repository list until it is unregistered at the end. Run this script in a new pwsh to avoid that."
    }
    # Must exist before PSResourceGet's first use: an unset or missing folder makes it fall back.
    $env:XDG_DATA_HOME = $xdg
    Import-Module Microsoft.PowerShell.PSResourceGet
    Register-PSResourceRepository -Name $repositoryName -Uri $feed -Trusted
    $registered = $true

    Write-Host "    publish $moduleName $version -> $repositoryName ($feed)"
    Publish-PSResource -Path $StagePath -Repository $repositoryName
    $published = @(Get-ChildItem -LiteralPath $feed -Filter '*.nupkg')
    Assert-That ($published.Count -eq 1) "one nupkg in the temp repository" "$($published.Count)" 'Check the Publish-PSResource output above.'
    Assert-That ($published[0].Name -eq "$moduleName.$version.nupkg") "$moduleName.$version.nupkg" $published[0].Name 'The name follows the manifest id and version.'

    New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
    $package = Join-Path (Resolve-Path -LiteralPath $OutputPath).Path $published[0].Name
    Copy-Item -LiteralPath $published[0].FullName -Destination $package -Force

    $staged = Get-StagedFile $StagePath
    $content = Test-PackageContent -Package $package -Staged $staged -Name $moduleName -Version $version -Cmdlets $cmdlets
    Write-Host "    nupkg ok: $($content.Entries) entries, libgit2 for $($content.Natives.Keys -join ', '), ReadyToRun for $(if ($content.ReadyToRun) { $content.ReadyToRun -join ', ' } else { 'none' }), help for $($content.HelpCommands -join ', ')"

    $found = @(Find-PSResource -Name $moduleName -Repository $repositoryName -Prerelease)
    Assert-That ($found.Count -eq 1) "Find-PSResource to return $moduleName once" "$($found.Count) result(s)" 'Check the temp repository.'
    $foundVersion = "$($found[0].Version)" + $(if ($found[0].Prerelease) { "-$($found[0].Prerelease)" } else { '' })
    Assert-That ($foundVersion -eq $version) "Find-PSResource version $version" $foundVersion 'The manifest is the only version source.'
    Assert-That ($found[0].Author -eq $manifest.Author) "author '$($manifest.Author)'" "'$($found[0].Author)'" 'Publish reads Author from the manifest.'

    Save-PSResource -Name $moduleName -Version $version -Prerelease:([bool]$prerelease) -Repository $repositoryName -Path $saved -TrustRepository -SkipDependencyCheck
    $savedModule = Join-Path $saved $moduleName $manifest.ModuleVersion
    Assert-That (Test-Path -LiteralPath (Join-Path $savedModule "$moduleName.psd1")) "the saved module at $savedModule" "$(@(Get-ChildItem -Recurse -LiteralPath $saved -Name) -join ', ')" 'Check Save-PSResource.'
    $savedFiles = Get-StagedFile $savedModule
    foreach ($path in $staged.Keys) {
        Assert-That ($savedFiles[$path] -eq $staged[$path]) "the saved $path to equal the staged file" $(if ($savedFiles.Contains($path)) { 'different bytes' } else { 'it missing' }) 'The round trip must be lossless.'
    }

    # A real bump in a NEW pwsh that finds the module by name on PSModulePath, as a user would.
    $repo = Join-Path $temp 'project'
    New-Item -ItemType Directory -Path $repo | Out-Null
    Get-ChildItem -LiteralPath $SamplePath -Force | Copy-Item -Destination $repo -Recurse -Force
    Invoke-Git $repo init -q -b main | Out-Null
    Invoke-Git $repo config user.name 'x0tta6bl4 package check' | Out-Null
    Invoke-Git $repo config user.email 'package-check@x0tta6bl4.invalid' | Out-Null
    Invoke-Git $repo config commit.gpgsign false | Out-Null
    Invoke-Git $repo add -A | Out-Null
    Invoke-Git $repo commit -q -m 'feat: import the sample project' | Out-Null
    $before = Invoke-Git $repo rev-parse HEAD

    $childScript = Join-Path $temp 'import-and-bump.ps1'
    $childResult = Join-Path $temp 'child-result.json'
    Set-Content -LiteralPath $childScript -Encoding utf8NoBOM -Value @'
param([string] $SavedRoot, [string] $Name, [string] $Project, [string] $ResultPath)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $SavedRoot + [System.IO.Path]::PathSeparator + $env:PSModulePath
Import-Module $Name
$module = Get-Module $Name
$examples = @((Get-Help Step-X0Version -Examples).examples.example).Count
$change = Step-X0Version -Patch -Path $Project
$engine = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'x0tta6bl4' |
    ForEach-Object { $_.Assemblies } | Where-Object { $_.GetName().Name -eq 'X0tta6bl4.Core' } | Select-Object -First 1
[ordered]@{
    EngineLocation  = $engine.Location
    Runtime         = "net$([Environment]::Version.Major).0"
    Rid             = "$(if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' })-$("$([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture)".ToLowerInvariant())"
    ModuleBase      = $module.ModuleBase
    ModuleVersion   = "$($module.Version)"
    HelpExamples    = $examples
    TypeName        = $change.GetType().FullName
    PreviousVersion = $change.PreviousVersion
    Version         = $change.Version
    Tag             = $change.Tag
    Commit          = $change.Commit
    Files           = @($change.Files | ForEach-Object { $_.Path })
} | ConvertTo-Json | Set-Content -LiteralPath $ResultPath -Encoding utf8NoBOM
'@
    $pwsh = Get-PwshInvocation
    $childOutput = & $pwsh.File @($pwsh.Prefix) -NoProfile -NonInteractive -File $childScript -SavedRoot $saved -Name $moduleName -Project $repo -ResultPath $childResult 2>&1
    Assert-That ($LASTEXITCODE -eq 0 -and (Test-Path -LiteralPath $childResult)) 'the saved module to import and bump in a new pwsh' "exit code $LASTEXITCODE`: $($childOutput -join [Environment]::NewLine)" 'Fix the error above.'
    $bump = Get-Content -Raw -LiteralPath $childResult | ConvertFrom-Json

    Assert-That ([System.IO.Path]::GetFullPath($bump.ModuleBase) -eq [System.IO.Path]::GetFullPath($savedModule)) "the module imported from $savedModule" $bump.ModuleBase 'Another x0tta6bl4 on PSModulePath shadowed the saved one.'
    $expectedEngineDir = Join-Path $savedModule 'dependencies' 'r2r' $bump.Runtime $bump.Rid
    if (-not (Test-Path -LiteralPath $expectedEngineDir)) { $expectedEngineDir = Join-Path $savedModule 'dependencies' }
    Assert-That ([System.IO.Path]::GetDirectoryName($bump.EngineLocation) -eq $expectedEngineDir) "the engine loaded from $expectedEngineDir (ReadyToRun images when shipped for $($bump.Runtime)/$($bump.Rid))" "$($bump.EngineLocation)" 'Check Hosting/DependencyLoadContext.'
    Assert-That ($bump.HelpExamples -gt 0) 'Get-Help Step-X0Version -Examples to show examples from the saved module' "$($bump.HelpExamples)" 'The MAML help must ship in en-US/.'
    Assert-That ($bump.TypeName -eq 'X0tta6bl4.Models.X0VersionChange') 'an X0VersionChange' $bump.TypeName 'Step-X0Version must output its model type.'
    Assert-That ($bump.PreviousVersion -eq $sampleVersion -and $bump.Version -eq $expectedVersion -and $bump.Tag -eq "v$expectedVersion") "$sampleVersion -> $expectedVersion tagged v$expectedVersion" "$($bump.PreviousVersion) -> $($bump.Version) tagged $($bump.Tag)" 'Check the version files of the sample project.'
    $head = Invoke-Git $repo rev-parse HEAD
    Assert-That ($head -eq $bump.Commit) "HEAD at the reported commit $($bump.Commit)" $head 'The output must name the release commit.'
    Assert-That ((Invoke-Git $repo rev-parse 'HEAD~1') -eq $before) 'exactly one new commit' "HEAD~1 at $(Invoke-Git $repo rev-parse 'HEAD~1')" 'Step-X0Version makes one commit.'
    Assert-That ((Invoke-Git $repo cat-file -t "v$expectedVersion") -eq 'tag') "an annotated tag v$expectedVersion" (Invoke-Git $repo cat-file -t "v$expectedVersion") 'Tags are annotated.'
    Assert-That ((Get-Content -Raw -LiteralPath (Join-Path $repo 'pyproject.toml')) -match "(?m)^version = `"$([regex]::Escape($expectedVersion))`"$") "version = `"$expectedVersion`" in pyproject.toml" 'another value' 'Check the rewriter.'
    $files = @($bump.Files | Sort-Object)
    Assert-That (($files -join ',') -eq 'pyproject.toml,src/mape_k/__init__.py') 'pyproject.toml and src/mape_k/__init__.py changed' ($files -join ', ') 'Check version file detection.'

    $result = [pscustomobject]@{
        Package       = $package
        Name          = $moduleName
        Version       = $version
        Sha256        = Get-FileSha256 $package
        Bytes         = (Get-Item -LiteralPath $package).Length
        Entries       = $content.Entries
        NativeLibs    = @($content.Natives.Values)
        ReadyToRun    = @($content.ReadyToRun)
        HelpCommands  = @($content.HelpCommands)
        Repository    = $repositoryName
        SavedTo       = $savedModule
        BumpedVersion = $bump.Version
        BumpedTag     = $bump.Tag
        BumpCommit    = $bump.Commit
        HelpExamples  = $bump.HelpExamples
        EngineLoadedFrom = $bump.EngineLocation
        Seconds       = [math]::Round($timer.Elapsed.TotalSeconds, 1)
    }
    Write-Host "    round trip ok in $($result.Seconds) s: Publish -> Find -> Save -> Import (new pwsh) -> Step-X0Version -Patch = $($bump.PreviousVersion) -> $($bump.Version) ($($bump.Tag))"
    Write-Host "    $package ($($result.Bytes) bytes, sha256 $($result.Sha256))"
    if ($ResultPath) { $result | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $ResultPath -Encoding utf8NoBOM }
    if ($PassThru) { $result }
} finally {
    if ($registered) {
        Unregister-PSResourceRepository -Name $repositoryName -ErrorAction SilentlyContinue
        if (Get-PSResourceRepository -Name $repositoryName -ErrorAction SilentlyContinue) {
            Write-Warning "Could not unregister the temp repository ${repositoryName}: run Unregister-PSResourceRepository -Name $repositoryName"
        }
    }
    if ($null -eq $previousXdg) { Remove-Item Env:XDG_DATA_HOME -ErrorAction SilentlyContinue } else { $env:XDG_DATA_HOME = $previousXdg }
    if ($KeepTemp) { Write-Host "    temp kept at $temp" } else { Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue }
}

# The corpus: public projects of different kinds whose release histories Invoke-CorpusReplay.ps1
# replays with -Auto. Source is the repository to clone (a local mirror or a URL, resolved against
# -MirrorRoot when relative); TagFormat is the x0tta6bl4 tag_format their release tags follow.
@{
    Projects = @(
        @{ Name = 'requests';      Kind = 'setup.py era (setup.py execs __version__.py)'; Source = 'psf+requests/repo';          TagFormat = 'v{version}'; Conventional = $false }
        @{ Name = 'click';         Kind = 'setup.py/setup.cfg era, then flit';             Source = 'pallets+click/repo';         TagFormat = '{version}';  Conventional = $false }
        @{ Name = 'httpx';         Kind = 'pyproject: hatchling [tool.hatch.version] path'; Source = 'encode+httpx/repo';          TagFormat = '{version}';  Conventional = $false }
        @{ Name = 'python-semantic-release'; Kind = 'pyproject: setuptools, PEP 621 static, Conventional Commits'; Source = 'python-semantic-release+python-semantic-release/repo'; TagFormat = 'v{version}'; Conventional = $true }
        @{ Name = 'commitizen';    Kind = 'Poetry, Conventional Commits';                  Source = 'commitizen-tools+commitizen/repo'; TagFormat = 'v{version}'; Conventional = $true }
        @{ Name = 'poetry-core';   Kind = 'Poetry ([tool.poetry] version)';                Source = 'python-poetry+poetry-core/repo'; TagFormat = '{version}'; Conventional = $false }
        @{ Name = 'pluggy';        Kind = 'setuptools_scm: versions from tags';            Source = 'pytest-dev+pluggy/repo';     TagFormat = '{version}';  Conventional = $false }
        @{ Name = 'pdm';           Kind = 'pdm-backend, scm source: versions from tags';   Source = 'pdm-project+pdm/repo';       TagFormat = '{version}';  Conventional = $false }
        @{ Name = 'release-please'; Kind = 'Node package, Conventional Commits';           Source = 'googleapis+release-please/repo'; TagFormat = 'v{version}'; Conventional = $true }
        @{ Name = 'serilog';       Kind = '.NET library (csproj / Directory.Build.props)'; Source = 'serilog+serilog/repo';       TagFormat = 'v{version}'; Conventional = $false }
        @{ Name = 'ImportExcel';   Kind = 'PowerShell module (psd1)';                      Source = 'dfinke+ImportExcel/repo';    TagFormat = 'v{version}'; Conventional = $false }
        @{ Name = 'anyhow';        Kind = 'Rust crate (Cargo.toml)';                       Source = 'dtolnay+anyhow/repo';        TagFormat = '{version}';  Conventional = $false }
    )
}

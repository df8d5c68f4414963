# PSScriptAnalyzer's settings for this repository, read by Invoke-X0Test's lint gate (and so by the
# release's gates). Errors block a release; warnings and information are left to review for now.
@{
    Severity     = @('Error')
    ExcludeRules = @(
        # The tests convert canary tokens and stand-in keys to SecureString on purpose: they prove the
        # cmdlets never print what they are given.
        'PSAvoidUsingConvertToSecureStringWithPlainText'
    )
}

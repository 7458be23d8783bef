
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'keystroke' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'keystroke'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'keystroke' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('auth', 'auth', [CompletionResultType]::ParameterValue, 'Sign in, see who is signed in, sign out')
            [CompletionResult]::new('org', 'org', [CompletionResultType]::ParameterValue, 'List your orgs and choose the active one')
            [CompletionResult]::new('api-key', 'api-key', [CompletionResultType]::ParameterValue, 'Create, list and revoke the org''s API keys')
            [CompletionResult]::new('session', 'session', [CompletionResultType]::ParameterValue, 'List your sign-ins on every machine and revoke one')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Trigger a deploy of the org (as you; needs the builder role or higher)')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keystroke;auth' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to a platform in the browser (or with a token on stdin)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who is signed in, where, and where the token lives')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget this machine''s token, and revoke its session (one from `--with-token` with `--revoke`)')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the session token on stdout, for scripts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keystroke;auth;login' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--with-token', '--with-token', [CompletionResultType]::ParameterName, 'Read a session token from stdin instead of signing in with the browser')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the sign-in URL and code without trying to open a browser')
            [CompletionResult]::new('--insecure-storage', '--insecure-storage', [CompletionResultType]::ParameterName, 'Keep the token in a 0600 file in the config directory instead of the OS credential store')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;auth;status' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;auth;logout' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--revoke', '--revoke', [CompletionResultType]::ParameterName, 'End the session on the platform even when it came with `auth login --with-token` (where it may still serve the sign-in it was made for); a browser sign-in''s always is')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;auth;token' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;auth;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to a platform in the browser (or with a token on stdin)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who is signed in, where, and where the token lives')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget this machine''s token, and revoke its session (one from `--with-token` with `--revoke`)')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the session token on stdout, for scripts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keystroke;auth;help;login' {
            break
        }
        'keystroke;auth;help;status' {
            break
        }
        'keystroke;auth;help;logout' {
            break
        }
        'keystroke;auth;help;token' {
            break
        }
        'keystroke;auth;help;help' {
            break
        }
        'keystroke;org' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the orgs you belong to; `*` marks the active one (`--org`''s, when given)')
            [CompletionResult]::new('switch', 'switch', [CompletionResultType]::ParameterValue, 'Make ORG the active org of later commands')
            [CompletionResult]::new('members', 'members', [CompletionResultType]::ParameterValue, 'List the org''s members and their roles (owners and admins only)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keystroke;org;list' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;org;switch' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;org;members' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;org;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the orgs you belong to; `*` marks the active one (`--org`''s, when given)')
            [CompletionResult]::new('switch', 'switch', [CompletionResultType]::ParameterValue, 'Make ORG the active org of later commands')
            [CompletionResult]::new('members', 'members', [CompletionResultType]::ParameterValue, 'List the org''s members and their roles (owners and admins only)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keystroke;org;help;list' {
            break
        }
        'keystroke;org;help;switch' {
            break
        }
        'keystroke;org;help;members' {
            break
        }
        'keystroke;org;help;help' {
            break
        }
        'keystroke;api-key' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create an API key; its secret is shown only this once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the org''s API keys you may see')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke an API key; requests using it fail at once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keystroke;api-key;create' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A label that says what uses the key, e.g. "Production automation"')
            [CompletionResult]::new('--expires-in', '--expires-in', [CompletionResultType]::ParameterName, 'Lifetime of the key, in `s`, `min`, `h`, `d`, `w`, `mo` (30 days) or `y` (365 days), e.g. `90d`, `12h`, `1y 6w`; at most ten years; without it the key does not expire')
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;api-key;list' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Keys per page (1 to 500)')
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Fetch every page instead of only the first')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;api-key;revoke' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Revoke without asking for confirmation (needed when not on a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Revoke without asking for confirmation (needed when not on a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;api-key;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create an API key; its secret is shown only this once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the org''s API keys you may see')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke an API key; requests using it fail at once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keystroke;api-key;help;create' {
            break
        }
        'keystroke;api-key;help;list' {
            break
        }
        'keystroke;api-key;help;revoke' {
            break
        }
        'keystroke;api-key;help;help' {
            break
        }
        'keystroke;session' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List your active sessions: this machine''s, other machines'' and the web pages''')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke one of your sessions; whoever uses it is signed out at once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keystroke;session;list' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;session;revoke' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Revoke without asking for confirmation (needed when not on a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Revoke without asking for confirmation (needed when not on a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;session;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List your active sessions: this machine''s, other machines'' and the web pages''')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke one of your sessions; whoever uses it is signed out at once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keystroke;session;help;list' {
            break
        }
        'keystroke;session;help;revoke' {
            break
        }
        'keystroke;session;help;help' {
            break
        }
        'keystroke;deploy' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;completion' {
            [CompletionResult]::new('--platform-url', '--platform-url', [CompletionResultType]::ParameterName, 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org to act on, instead of the active one (does not change the active org)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (and errors as JSON on stderr)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt or wait for a person (browser sign-in included); fail instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request made to the platform on stderr (never a token)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keystroke;help' {
            [CompletionResult]::new('auth', 'auth', [CompletionResultType]::ParameterValue, 'Sign in, see who is signed in, sign out')
            [CompletionResult]::new('org', 'org', [CompletionResultType]::ParameterValue, 'List your orgs and choose the active one')
            [CompletionResult]::new('api-key', 'api-key', [CompletionResultType]::ParameterValue, 'Create, list and revoke the org''s API keys')
            [CompletionResult]::new('session', 'session', [CompletionResultType]::ParameterValue, 'List your sign-ins on every machine and revoke one')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Trigger a deploy of the org (as you; needs the builder role or higher)')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keystroke;help;auth' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to a platform in the browser (or with a token on stdin)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who is signed in, where, and where the token lives')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget this machine''s token, and revoke its session (one from `--with-token` with `--revoke`)')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the session token on stdout, for scripts')
            break
        }
        'keystroke;help;auth;login' {
            break
        }
        'keystroke;help;auth;status' {
            break
        }
        'keystroke;help;auth;logout' {
            break
        }
        'keystroke;help;auth;token' {
            break
        }
        'keystroke;help;org' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the orgs you belong to; `*` marks the active one (`--org`''s, when given)')
            [CompletionResult]::new('switch', 'switch', [CompletionResultType]::ParameterValue, 'Make ORG the active org of later commands')
            [CompletionResult]::new('members', 'members', [CompletionResultType]::ParameterValue, 'List the org''s members and their roles (owners and admins only)')
            break
        }
        'keystroke;help;org;list' {
            break
        }
        'keystroke;help;org;switch' {
            break
        }
        'keystroke;help;org;members' {
            break
        }
        'keystroke;help;api-key' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create an API key; its secret is shown only this once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the org''s API keys you may see')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke an API key; requests using it fail at once')
            break
        }
        'keystroke;help;api-key;create' {
            break
        }
        'keystroke;help;api-key;list' {
            break
        }
        'keystroke;help;api-key;revoke' {
            break
        }
        'keystroke;help;session' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List your active sessions: this machine''s, other machines'' and the web pages''')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke one of your sessions; whoever uses it is signed out at once')
            break
        }
        'keystroke;help;session;list' {
            break
        }
        'keystroke;help;session;revoke' {
            break
        }
        'keystroke;help;deploy' {
            break
        }
        'keystroke;help;completion' {
            break
        }
        'keystroke;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

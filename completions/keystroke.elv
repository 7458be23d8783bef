
use builtin;
use str;

set edit:completion:arg-completer[keystroke] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'keystroke'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'keystroke'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand auth 'Sign in, see who is signed in, sign out'
            cand org 'List your orgs and choose the active one'
            cand api-key 'Create, list and revoke the org''s API keys'
            cand session 'List your sign-ins on every machine and revoke one'
            cand deploy 'Trigger a deploy of the org (as you; needs the builder role or higher)'
            cand completion 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keystroke;auth'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand login 'Sign in to a platform in the browser (or with a token on stdin)'
            cand status 'Show who is signed in, where, and where the token lives'
            cand logout 'Forget this machine''s token, and revoke its session (one from `--with-token` with `--revoke`)'
            cand token 'Print the session token on stdout, for scripts'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keystroke;auth;login'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --with-token 'Read a session token from stdin instead of signing in with the browser'
            cand --no-browser 'Print the sign-in URL and code without trying to open a browser'
            cand --insecure-storage 'Keep the token in a 0600 file in the config directory instead of the OS credential store'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;auth;status'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;auth;logout'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --revoke 'End the session on the platform even when it came with `auth login --with-token` (where it may still serve the sign-in it was made for); a browser sign-in''s always is'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;auth;token'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;auth;help'= {
            cand login 'Sign in to a platform in the browser (or with a token on stdin)'
            cand status 'Show who is signed in, where, and where the token lives'
            cand logout 'Forget this machine''s token, and revoke its session (one from `--with-token` with `--revoke`)'
            cand token 'Print the session token on stdout, for scripts'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keystroke;auth;help;login'= {
        }
        &'keystroke;auth;help;status'= {
        }
        &'keystroke;auth;help;logout'= {
        }
        &'keystroke;auth;help;token'= {
        }
        &'keystroke;auth;help;help'= {
        }
        &'keystroke;org'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'List the orgs you belong to; `*` marks the active one (`--org`''s, when given)'
            cand switch 'Make ORG the active org of later commands'
            cand members 'List the org''s members and their roles (owners and admins only)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keystroke;org;list'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;org;switch'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;org;members'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;org;help'= {
            cand list 'List the orgs you belong to; `*` marks the active one (`--org`''s, when given)'
            cand switch 'Make ORG the active org of later commands'
            cand members 'List the org''s members and their roles (owners and admins only)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keystroke;org;help;list'= {
        }
        &'keystroke;org;help;switch'= {
        }
        &'keystroke;org;help;members'= {
        }
        &'keystroke;org;help;help'= {
        }
        &'keystroke;api-key'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand create 'Create an API key; its secret is shown only this once'
            cand list 'List the org''s API keys you may see'
            cand revoke 'Revoke an API key; requests using it fail at once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keystroke;api-key;create'= {
            cand --name 'A label that says what uses the key, e.g. "Production automation"'
            cand --expires-in 'Lifetime of the key, in `s`, `min`, `h`, `d`, `w`, `mo` (30 days) or `y` (365 days), e.g. `90d`, `12h`, `1y 6w`; at most ten years; without it the key does not expire'
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;api-key;list'= {
            cand --limit 'Keys per page (1 to 500)'
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --all 'Fetch every page instead of only the first'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;api-key;revoke'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand -y 'Revoke without asking for confirmation (needed when not on a terminal)'
            cand --yes 'Revoke without asking for confirmation (needed when not on a terminal)'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;api-key;help'= {
            cand create 'Create an API key; its secret is shown only this once'
            cand list 'List the org''s API keys you may see'
            cand revoke 'Revoke an API key; requests using it fail at once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keystroke;api-key;help;create'= {
        }
        &'keystroke;api-key;help;list'= {
        }
        &'keystroke;api-key;help;revoke'= {
        }
        &'keystroke;api-key;help;help'= {
        }
        &'keystroke;session'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'List your active sessions: this machine''s, other machines'' and the web pages'''
            cand revoke 'Revoke one of your sessions; whoever uses it is signed out at once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keystroke;session;list'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;session;revoke'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand -y 'Revoke without asking for confirmation (needed when not on a terminal)'
            cand --yes 'Revoke without asking for confirmation (needed when not on a terminal)'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;session;help'= {
            cand list 'List your active sessions: this machine''s, other machines'' and the web pages'''
            cand revoke 'Revoke one of your sessions; whoever uses it is signed out at once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keystroke;session;help;list'= {
        }
        &'keystroke;session;help;revoke'= {
        }
        &'keystroke;session;help;help'= {
        }
        &'keystroke;deploy'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;completion'= {
            cand --platform-url 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]'
            cand --org 'The org to act on, instead of the active one (does not change the active org)'
            cand --color 'When to use colors'
            cand --json 'Print one JSON document on stdout (and errors as JSON on stderr)'
            cand --no-input 'Never prompt or wait for a person (browser sign-in included); fail instead'
            cand -q 'Print only data and errors, no notices'
            cand --quiet 'Print only data and errors, no notices'
            cand -v 'Print each request made to the platform on stderr (never a token)'
            cand --verbose 'Print each request made to the platform on stderr (never a token)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keystroke;help'= {
            cand auth 'Sign in, see who is signed in, sign out'
            cand org 'List your orgs and choose the active one'
            cand api-key 'Create, list and revoke the org''s API keys'
            cand session 'List your sign-ins on every machine and revoke one'
            cand deploy 'Trigger a deploy of the org (as you; needs the builder role or higher)'
            cand completion 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keystroke;help;auth'= {
            cand login 'Sign in to a platform in the browser (or with a token on stdin)'
            cand status 'Show who is signed in, where, and where the token lives'
            cand logout 'Forget this machine''s token, and revoke its session (one from `--with-token` with `--revoke`)'
            cand token 'Print the session token on stdout, for scripts'
        }
        &'keystroke;help;auth;login'= {
        }
        &'keystroke;help;auth;status'= {
        }
        &'keystroke;help;auth;logout'= {
        }
        &'keystroke;help;auth;token'= {
        }
        &'keystroke;help;org'= {
            cand list 'List the orgs you belong to; `*` marks the active one (`--org`''s, when given)'
            cand switch 'Make ORG the active org of later commands'
            cand members 'List the org''s members and their roles (owners and admins only)'
        }
        &'keystroke;help;org;list'= {
        }
        &'keystroke;help;org;switch'= {
        }
        &'keystroke;help;org;members'= {
        }
        &'keystroke;help;api-key'= {
            cand create 'Create an API key; its secret is shown only this once'
            cand list 'List the org''s API keys you may see'
            cand revoke 'Revoke an API key; requests using it fail at once'
        }
        &'keystroke;help;api-key;create'= {
        }
        &'keystroke;help;api-key;list'= {
        }
        &'keystroke;help;api-key;revoke'= {
        }
        &'keystroke;help;session'= {
            cand list 'List your active sessions: this machine''s, other machines'' and the web pages'''
            cand revoke 'Revoke one of your sessions; whoever uses it is signed out at once'
        }
        &'keystroke;help;session;list'= {
        }
        &'keystroke;help;session;revoke'= {
        }
        &'keystroke;help;deploy'= {
        }
        &'keystroke;help;completion'= {
        }
        &'keystroke;help;help'= {
        }
    ]
    $completions[$command]
}

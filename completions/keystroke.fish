# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_keystroke_global_optspecs
    string join \n platform-url= org= json no-input color= q/quiet v/verbose h/help V/version
end

function __fish_keystroke_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_keystroke_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_keystroke_using_subcommand
    set -l cmd (__fish_keystroke_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c keystroke -n "__fish_keystroke_needs_command" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_needs_command" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_needs_command" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_needs_command" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_needs_command" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_needs_command" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_needs_command" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_needs_command" -s V -l version -d 'Print version'
complete -c keystroke -n "__fish_keystroke_needs_command" -f -a "auth" -d 'Sign in, see who is signed in, sign out'
complete -c keystroke -n "__fish_keystroke_needs_command" -f -a "org" -d 'List your orgs and choose the active one'
complete -c keystroke -n "__fish_keystroke_needs_command" -f -a "api-key" -d 'Create, list and revoke the org\'s API keys'
complete -c keystroke -n "__fish_keystroke_needs_command" -f -a "session" -d 'List your sign-ins on every machine and revoke one'
complete -c keystroke -n "__fish_keystroke_needs_command" -f -a "deploy" -d 'Trigger a deploy of the org (as you; needs the builder role or higher)'
complete -c keystroke -n "__fish_keystroke_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c keystroke -n "__fish_keystroke_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -f -a "login" -d 'Sign in to a platform in the browser (or with a token on stdin)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -f -a "status" -d 'Show who is signed in, where, and where the token lives'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -f -a "logout" -d 'Forget this machine\'s token, and revoke its session (one from `--with-token` with `--revoke`)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -f -a "token" -d 'Print the session token on stdout, for scripts'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and not __fish_seen_subcommand_from login status logout token help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from login" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from login" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from login" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from login" -l with-token -d 'Read a session token from stdin instead of signing in with the browser'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from login" -l no-browser -d 'Print the sign-in URL and code without trying to open a browser'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from login" -l insecure-storage -d 'Keep the token in a 0600 file in the config directory instead of the OS credential store'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from login" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from login" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from login" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from login" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from status" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from status" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from status" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from status" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from status" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from logout" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from logout" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from logout" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from logout" -l revoke -d 'End the session on the platform even when it came with `auth login --with-token` (where it may still serve the sign-in it was made for); a browser sign-in\'s always is'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from logout" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from logout" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from logout" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from logout" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from token" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from token" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from token" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from token" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from token" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from token" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from token" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "login" -d 'Sign in to a platform in the browser (or with a token on stdin)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show who is signed in, where, and where the token lives'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "logout" -d 'Forget this machine\'s token, and revoke its session (one from `--with-token` with `--revoke`)'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "token" -d 'Print the session token on stdout, for scripts'
complete -c keystroke -n "__fish_keystroke_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -f -a "list" -d 'List the orgs you belong to; `*` marks the active one (`--org`\'s, when given)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -f -a "switch" -d 'Make ORG the active org of later commands'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -f -a "members" -d 'List the org\'s members and their roles (owners and admins only)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and not __fish_seen_subcommand_from list switch members help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from list" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from list" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from list" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from switch" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from switch" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from switch" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from switch" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from switch" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from switch" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from switch" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from switch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from members" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from members" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from members" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from members" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from members" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from members" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from members" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from members" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the orgs you belong to; `*` marks the active one (`--org`\'s, when given)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "switch" -d 'Make ORG the active org of later commands'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "members" -d 'List the org\'s members and their roles (owners and admins only)'
complete -c keystroke -n "__fish_keystroke_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -f -a "create" -d 'Create an API key; its secret is shown only this once'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -f -a "list" -d 'List the org\'s API keys you may see'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -f -a "revoke" -d 'Revoke an API key; requests using it fail at once'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and not __fish_seen_subcommand_from create list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from create" -l name -d 'A label that says what uses the key, e.g. "Production automation"' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from create" -l expires-in -d 'Lifetime of the key, in `s`, `min`, `h`, `d`, `w`, `mo` (30 days) or `y` (365 days), e.g. `90d`, `12h`, `1y 6w`; at most ten years; without it the key does not expire' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from create" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from create" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from create" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from create" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from create" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from list" -l limit -d 'Keys per page (1 to 500)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from list" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from list" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from list" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from list" -l all -d 'Fetch every page instead of only the first'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from revoke" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from revoke" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from revoke" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from revoke" -s y -l yes -d 'Revoke without asking for confirmation (needed when not on a terminal)'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from revoke" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from revoke" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create an API key; its secret is shown only this once'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the org\'s API keys you may see'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke an API key; requests using it fail at once'
complete -c keystroke -n "__fish_keystroke_using_subcommand api-key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -f -a "list" -d 'List your active sessions: this machine\'s, other machines\' and the web pages\''
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -f -a "revoke" -d 'Revoke one of your sessions; whoever uses it is signed out at once'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from list" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from list" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from list" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from revoke" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from revoke" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from revoke" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from revoke" -s y -l yes -d 'Revoke without asking for confirmation (needed when not on a terminal)'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from revoke" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from revoke" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "list" -d 'List your active sessions: this machine\'s, other machines\' and the web pages\''
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke one of your sessions; whoever uses it is signed out at once'
complete -c keystroke -n "__fish_keystroke_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keystroke -n "__fish_keystroke_using_subcommand deploy" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand deploy" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand deploy" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand deploy" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand deploy" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand deploy" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand deploy" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand deploy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand completion" -l platform-url -d 'The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand completion" -l org -d 'The org to act on, instead of the active one (does not change the active org)' -r
complete -c keystroke -n "__fish_keystroke_using_subcommand completion" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keystroke -n "__fish_keystroke_using_subcommand completion" -l json -d 'Print one JSON document on stdout (and errors as JSON on stderr)'
complete -c keystroke -n "__fish_keystroke_using_subcommand completion" -l no-input -d 'Never prompt or wait for a person (browser sign-in included); fail instead'
complete -c keystroke -n "__fish_keystroke_using_subcommand completion" -s q -l quiet -d 'Print only data and errors, no notices'
complete -c keystroke -n "__fish_keystroke_using_subcommand completion" -s v -l verbose -d 'Print each request made to the platform on stderr (never a token)'
complete -c keystroke -n "__fish_keystroke_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and not __fish_seen_subcommand_from auth org api-key session deploy completion help" -f -a "auth" -d 'Sign in, see who is signed in, sign out'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and not __fish_seen_subcommand_from auth org api-key session deploy completion help" -f -a "org" -d 'List your orgs and choose the active one'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and not __fish_seen_subcommand_from auth org api-key session deploy completion help" -f -a "api-key" -d 'Create, list and revoke the org\'s API keys'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and not __fish_seen_subcommand_from auth org api-key session deploy completion help" -f -a "session" -d 'List your sign-ins on every machine and revoke one'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and not __fish_seen_subcommand_from auth org api-key session deploy completion help" -f -a "deploy" -d 'Trigger a deploy of the org (as you; needs the builder role or higher)'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and not __fish_seen_subcommand_from auth org api-key session deploy completion help" -f -a "completion" -d 'Print a shell completion script'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and not __fish_seen_subcommand_from auth org api-key session deploy completion help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "login" -d 'Sign in to a platform in the browser (or with a token on stdin)'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "status" -d 'Show who is signed in, where, and where the token lives'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "logout" -d 'Forget this machine\'s token, and revoke its session (one from `--with-token` with `--revoke`)'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "token" -d 'Print the session token on stdout, for scripts'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "list" -d 'List the orgs you belong to; `*` marks the active one (`--org`\'s, when given)'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "switch" -d 'Make ORG the active org of later commands'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "members" -d 'List the org\'s members and their roles (owners and admins only)'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from api-key" -f -a "create" -d 'Create an API key; its secret is shown only this once'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from api-key" -f -a "list" -d 'List the org\'s API keys you may see'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from api-key" -f -a "revoke" -d 'Revoke an API key; requests using it fail at once'
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "list" -d 'List your active sessions: this machine\'s, other machines\' and the web pages\''
complete -c keystroke -n "__fish_keystroke_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "revoke" -d 'Revoke one of your sessions; whoever uses it is signed out at once'
complete -c keystroke -n "__fish_keystroke_using_subcommand completion; and not __fish_seen_subcommand_from bash elvish fish powershell zsh" -f -a "bash elvish fish powershell zsh"

# bash completion for imaguard
_imaguard() {
	local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} sub=${COMP_WORDS[2]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "allowlist audit hash probe report rules run status stop version --help --version" -- "$cur"))
		return
	fi
	case $cmd in
	allowlist) [ "$COMP_CWORD" -eq 2 ] &&
		{ COMPREPLY=($(compgen -W "build check import propose show sign verify" -- "$cur")); return; } ;;
	audit) [ "$COMP_CWORD" -eq 2 ] && { COMPREPLY=($(compgen -W "verify" -- "$cur")); return; } ;;
	rules) [ "$COMP_CWORD" -eq 2 ] && { COMPREPLY=($(compgen -W "check match" -- "$cur")); return; } ;;
	esac
	if [[ $cur == -* ]]; then
		# Options come from the command's own --help, so they never drift.
		local words=$(imaguard $cmd ${sub:+$( [[ $sub != -* ]] && echo "$sub")} --help 2>/dev/null |
			grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _imaguard imaguard

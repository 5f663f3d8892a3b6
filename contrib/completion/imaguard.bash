# bash completion for imaguard
#
# Options, and the values of an option that takes one of a list (--from,
# --format, --mode, --hook), come from the command's own --help, so they
# never drift from the binary. File names are completed one per line, never
# split at blanks, and a directory gets its trailing "/".

# _imaguard_help WORD...: the --help of `imaguard WORD...`
_imaguard_help() {
	imaguard "$@" --help 2>/dev/null
}

# _imaguard_metavar OPT WORD...: what OPT takes per its --help line (FILE,
# FORMAT, ...), nothing for a flag
_imaguard_metavar() {
	local opt=$1
	shift
	_imaguard_help "$@" | sed -n -e "s/^ *\(-[a-zA-Z], \)\{0,1\}$opt \([A-Za-z0-9.]\{1,\}\) .*/\2/p" \
		-e "s/^ *$opt, --[a-z0-9-]* \([A-Za-z0-9.]\{1,\}\) .*/\1/p" | head -n 1
}

# _imaguard_values OPT WORD...: the values listed on OPT's --help line,
# "json (default), markdown or html; ..." giving json markdown html
_imaguard_values() {
	local opt=$1
	shift
	_imaguard_help "$@" | sed -n -e "s/^ *\(-[a-zA-Z], \)\{0,1\}$opt [A-Z]\{1,\}  *//p" \
		-e "s/^ *$opt, --[a-z0-9-]* [A-Z]\{1,\}  *//p" | head -n 1 | sed -e 's/([^)]*)//g' -e 's/;.*//' -e 's/,/ /g' -e 's/ or / /g'
}

# _imaguard_files CUR [-d]: file (or, with -d, directory) names starting
# with CUR, one COMPREPLY entry each, directories ending in "/"
_imaguard_files() {
	local cur=$1 f
	# the word as typed may be quoted or have escaped blanks: match on
	# the name itself; readline quotes what it inserts (-o filenames)
	cur=${cur#[\"\']}
	cur=${cur//\\/}
	COMPREPLY=()
	while IFS= read -r f; do
		[ -d "$f" ] && f=${f%/}/
		COMPREPLY+=("$f")
	done < <(compgen "${2:--f}" -- "$cur")
	compopt -o filenames 2>/dev/null || true
}

_imaguard() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd=${COMP_WORDS[1]} sub=${COMP_WORDS[2]}
	local words meta w
	local -a path
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "allowlist audit hash probe report rules run status stop unlock-token version --help --version" -- "$cur"))
		return
	fi
	case $cmd in
	allowlist) [ "$COMP_CWORD" -eq 2 ] &&
		{ COMPREPLY=($(compgen -W "build check import propose show sign verify" -- "$cur")); return; } ;;
	audit) [ "$COMP_CWORD" -eq 2 ] && { COMPREPLY=($(compgen -W "verify" -- "$cur")); return; } ;;
	rules) [ "$COMP_CWORD" -eq 2 ] && { COMPREPLY=($(compgen -W "check match" -- "$cur")); return; } ;;
	esac
	case $cmd in
	allowlist | audit | rules) path=("$cmd" "$sub") ;;
	*) path=("$cmd") ;;
	esac
	# "--opt=VALUE" reaches here as "--opt" "=" "VALUE" (= breaks words)
	if [ "$cur" = "=" ]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=
	elif [ "$COMP_CWORD" -ge 3 ] && [ "${COMP_WORDS[COMP_CWORD - 1]}" = "=" ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [ "$COMP_CWORD" -ge 2 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi
	if [[ $prev == -* ]]; then
		meta=$(_imaguard_metavar "$prev" "${path[@]}")
		case $meta in
		"") ;; # a flag: what follows is a word of its own
		FORMAT | MODE | HOOK)
			words=$(_imaguard_values "$prev" "${path[@]}")
			COMPREPLY=($(compgen -W "$words" -- "$cur"))
			return ;;
		DIR) _imaguard_files "$cur" -d; return ;;
		FILE | PEM | SIG | ALLOWLIST | NEW | PREFIX | *.pem)
			_imaguard_files "$cur"; return ;;
		*) COMPREPLY=(); return ;; # a number, a time, a hash: nothing to offer
		esac
	fi
	if [[ $cur == -* ]]; then
		words=$(_imaguard_help "${path[@]}" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	else
		_imaguard_files "$cur"
	fi
}
complete -F _imaguard imaguard

# bash completion for btap: options (read from `btap --help`), their
# arguments, probe points after -l/-L (read from `btap -l`), and script
# files. Installed as PREFIX/share/bash-completion/completions/btap.

# _btap_probe_points CMD CUR: probe points CMD lists that start with CUR.
_btap_probe_points()
{
	local cmd=$1 cur=$2 inner
	case $cur in
	kernel.trace\(\"*)
		inner=${cur#kernel.trace(\"}
		inner=${inner%%\"*}
		"$cmd" -l "kernel.trace(\"${inner}*\")" 2>/dev/null
		;;
	*)
		{
			"$cmd" -l '*' 2>/dev/null
			"$cmd" -l '**' 2>/dev/null
			case $cur in
			perf*) "$cmd" -l 'perf.*.*' 2>/dev/null ;;
			esac
			echo 'kernel.trace("'
		} | LC_ALL=C sort -u
		;;
	esac
}

# The options btap --help lists: "  -e SCRIPT ...", "  -h, --help ...",
# "  --runtime=MODE ...".
_btap_options()
{
	"$1" --help 2>/dev/null | grep -oE '^  (-[A-Za-z]|--[a-z-]+=?)(, --[a-z-]+=?)?' |
		grep -oE -- '--?[A-Za-z-]+=?'
}

# Put back together the words bash split at ( " : = (COMP_WORDBREAKS), so
# that kernel.trace("sched:sched_s or --runtime=b is one word: pieces with
# no blank between them in the line are joined. Sets words[] and cword.
_btap_words()
{
	words=() cword=0
	if [[ -z ${COMP_LINE-} ]]; then
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
		return
	fi
	local line=${COMP_LINE:0:COMP_POINT} w i n=0
	for ((i = 0; i <= COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if ((i == 0)) || [[ $line == [[:space:]]* ]]; then
			line=${line#"${line%%[![:space:]]*}"}
			words[n++]=$w
		else
			words[n - 1]+=$w
		fi
		line=${line:${#w}}
	done
	cword=$((n - 1))
}

# _btap_offer WORD...: the WORDs that start with the current argument
# ($bare), less what bash will not replace ($cut).
_btap_offer()
{
	local w
	for w in "$@"; do
		[[ $w == "$bare"* ]] && COMPREPLY+=("${w#"$cut"}")
	done
}

_btap()
{
	local words cword
	_btap_words
	local cmd=${words[0]} cur=${words[cword]} prev=${words[cword - 1]}
	local argof=$prev value=$cur
	if [[ $cur == --*=* ]]; then
		argof=${cur%%=*}= value=${cur#*=}
	fi
	# Replies replace only bash's own last piece of the word: the text after
	# its last break character, or after an opening quote. $cut is what
	# comes before that piece in the argument, and is left out of replies.
	local bare=${value#[\'\"]} piece=${COMP_WORDS[COMP_CWORD]}
	[[ -z ${piece//[\"\'<>=;|&(:]/} ]] && piece=
	piece=${piece#[\'\"]}
	local cut=${bare%"$piece"}

	COMPREPLY=()
	case $argof in
	-l | -L)
		local p points=()
		while IFS= read -r p; do points+=("$p"); done < <(_btap_probe_points "$cmd" "$bare")
		_btap_offer "${points[@]}"
		compopt -o nospace 2>/dev/null
		return 0
		;;
	-p) _btap_offer 1 2 3 4 5; return 0 ;;
	-o) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
	-I | --run) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
	-c) COMPREPLY=($(compgen -c -- "$cur")); return 0 ;;
	-x) COMPREPLY=($(compgen -W "$(cd /proc 2>/dev/null && echo [0-9]*)" -- "$cur")); return 0 ;;
	-D)
		_btap_offer MAXSTRINGLEN= MAXMAPENTRIES= MAXACTION= MAXERRORS=
		compopt -o nospace 2>/dev/null
		return 0
		;;
	-r)
		COMPREPLY=($(compgen -W "$(ls /lib/modules 2>/dev/null)" -- "$cur") $(compgen -d -- "$cur"))
		return 0
		;;
	--runtime=) _btap_offer bpf kmod auto; return 0 ;;
	--kfunc=) _btap_offer auto fentry kprobe; return 0 ;;
	--remote)
		# hosts as ssh knows them (bash-completion's helper, when loaded)
		declare -F _known_hosts_real >/dev/null && _known_hosts_real -- "$cur"
		return 0
		;;
	-e | -m | -T | -s) return 0 ;;
	esac

	if [[ $cur == -* ]]; then
		_btap_offer $(_btap_options "$cmd")
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
		return 0
	fi
	# Before the script: *.stp files and directories; after it (or after
	# -e, -l, -L, --run): the script's arguments, as files.
	local i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-e | -l | -L | --run | [!-]*) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
		-p | -o | -c | -x | -I | -D | -m | -r | -T | -s) ((i++)) ;;
		esac
	done
	COMPREPLY=($(compgen -f -X '!*.stp' -- "$cur") $(compgen -d -S / -- "$cur"))
	[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]] && compopt -o nospace 2>/dev/null
	return 0
}
complete -F _btap btap

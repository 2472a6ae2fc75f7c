
# xp_complete WORDS… CURRENT prints the candidates for CURRENT, one a line:
# commands, subcommands, flags, and from the manifest the names of
# environments, services and builders. It walks the words as the program
# parses them, with the tables xp_cli sets, and starts no program but awk
# and sort for the manifest's names.
xp_complete() {
  local IFS=$' \t\n'
  local cur="${!#}" file="${XP_FILE:-}" path="" kind="" args=0 n i w name e found
  local -a words=("${@:1:$#-1}") xp_subs xp_visible xp_flags xp_values
  local xp_arg
  n=${#words[@]}
  xp_cli ""
  for ((i = 0; i < n; i++)); do
    w="${words[i]}"
    if [[ "$w" == -?* ]]; then
      name="${w#"${w%%[!-]*}"}"
      [[ "$name" == *=* ]] && continue
      kind=""
      for e in ${xp_values[@]+"${xp_values[@]}"}; do
        if [[ "${e%%:*}" == "$name" ]]; then
          kind="${e#*:}"
          break
        fi
      done
      [[ -n "$kind" ]] || continue
      if ((i + 1 == n)); then
        case "$kind" in
          environments | services | formats) break ;;
          *) return 0 ;; # a value nothing knows, such as a path: the shell's own completion
        esac
      fi
      [[ "$kind" == file ]] && file="${words[i + 1]}"
      kind=""
      i=$((i + 1))
      continue
    fi
    found=""
    for e in ${xp_subs[@]+"${xp_subs[@]}"}; do
      if [[ "${e%%:*}" == "$w" ]]; then
        found="${e#*:}"
        break
      fi
    done
    if [[ -n "$found" ]]; then
      path="${path:+$path }$found"
      xp_cli "$path"
      continue
    fi
    args=$((args + 1))
  done
  if [[ -n "$kind" ]]; then
    xp_names "$kind" "$file"
  elif [[ "$cur" == -* ]]; then
    xp_print ${xp_flags[@]+"${xp_flags[@]}"}
  elif ((args == 0)) && [[ -z "$path" || ${#xp_subs[@]} -gt 0 ]]; then
    xp_print ${xp_visible[@]+"${xp_visible[@]}"}
  elif ((args == 0)); then
    xp_names "$xp_arg" "$file"
  fi
}

# xp_print WORDS… prints those that start with cur (xp_complete's).
xp_print() {
  local c
  for c in "$@"; do
    if [[ "$c" == "$cur"* ]]; then printf '%s\n' "$c"; fi
  done
}

# xp_names KIND FILE prints the names of a kind that start with cur; those
# from the manifest sorted, each once.
xp_names() {
  local xp_m="" root=. sec=services
  local -a dirs=()
  case "$1" in
    formats) xp_print text json ;;
    shells) xp_print bash zsh fish ;;
    commands)
      xp_cli ""
      xp_print ${xp_visible[@]+"${xp_visible[@]}"}
      ;;
    environments | services | builders)
      xp_manifest "$2"
      [[ -n "$xp_m" && -f "$xp_m" ]] || return 0
      [[ "$xp_m" == */* ]] && root="${xp_m%/*}"
      case "$1" in
        environments)
          sec=environments
          xp_dirs "$root"/k8s/overlays/*/
          ;;
        builders) xp_dirs "$root"/builders/*/ ;;
      esac
      xp_keys "$xp_m" "$sec" ${dirs[@]+"${dirs[@]}"}
      ;;
  esac
}

# xp_dirs DIR/… adds to dirs the names of those that are folders.
xp_dirs() {
  local d
  for d in "$@"; do
    d="${d%/}"
    if [[ -d "$d" ]]; then dirs[${#dirs[@]}]="${d##*/}"; fi
  done
}

# xp_keys FILE SECTION NAME… prints NAME… and the keys of the manifest's
# top-level block mapping SECTION that start with cur, sorted, each once:
# one awk, so that a Tab forks once for the manifest.
xp_keys() {
  local file="$1" sec="$2"
  shift 2
  LC_ALL=C awk -v sec="$sec" -v cur="$cur" '
    function add(k) { if (index(k, cur) == 1 && !(k in seen)) { seen[k] = 1; names[n++] = k } }
    BEGIN { for (i = 1; i < ARGC - 1; i++) { add(ARGV[i]); delete ARGV[i] } }
    /^[^[:space:]#]/ { in_sec = ($0 ~ "^" sec ":[[:space:]]*(#.*)?$"); ind = 0; next }
    in_sec && /^[[:space:]]+[^[:space:]#-][^:]*:/ {
      match($0, /^[[:space:]]+/)
      if (ind == 0) ind = RLENGTH
      if (RLENGTH != ind) next
      k = $0; sub(/^[[:space:]]+/, "", k); sub(/:.*/, "", k); gsub(/["'\'']/, "", k)
      add(k)
    }
    END {
      for (i = 1; i < n; i++) for (j = i; j > 0 && names[j] < names[j - 1]; j--) { t = names[j]; names[j] = names[j - 1]; names[j - 1] = t }
      for (i = 0; i < n; i++) print names[i]
    }' "$@" "$file" 2>/dev/null || true
}

# xp_manifest FILE sets xp_m to the manifest: FILE, else x-platform.yml here
# or in the nearest parent folder.
xp_manifest() {
  if [[ -n "$1" ]]; then
    xp_m="$1"
    return
  fi
  local d="$PWD"
  while :; do
    if [[ -f "$d/x-platform.yml" ]]; then
      xp_m="$d/x-platform.yml"
      return
    fi
    [[ "$d" == / || -z "$d" ]] && return
    d="${d%/*}"
  done
}

# Shared by the benchmark wrappers (bench/run.sh, bench/attach.sh, bench/firewall.sh), sourced
# after they have read their arguments. Expects NAME (for messages), ROOT, BUILD, PREFIX (of the
# network namespaces the run makes) and BUILD_SDND; sets SDND (the binary to measure) and NOTE.

# bench_setup CMD PACKAGE ...: root, the commands given (and python3, ip, bridge; a CMD
# "pc:MODULE" is a pkg-config module), what building sdnd needs unless SDND names a binary, then
# an up-to-date Release build in BUILD.
bench_setup() {
	local missing=()

	if [ "$(id -u)" -ne 0 ]; then
		echo "$NAME: needs root (network namespaces)" >&2
		exit 1
	fi
	need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
	need_cmd ip iproute2
	need_cmd bridge iproute2
	need_cmd python3 python3
	while [ $# -ge 2 ]; do
		case $1 in
		pc:*) pkg-config --exists "${1#pc:}" 2>/dev/null || missing+=("$2") ;;
		*) need_cmd "$1" "$2" ;;
		esac
		shift 2
	done
	if [ -z "${SDND:-}" ]; then
		need_cmd cmake cmake
		need_cmd make make
		need_cmd gcc gcc
		need_cmd pkg-config pkg-config
		if command -v pkg-config >/dev/null 2>&1; then
			pkg-config --exists libmnl || missing+=(libmnl-dev)
			pkg-config --exists yaml-0.1 || missing+=(libyaml-dev)
			pkg-config --exists json-c || missing+=(libjson-c-dev)
			pkg-config --exists libmicrohttpd || missing+=(libmicrohttpd-dev)
			pkg-config --exists libnftnl || missing+=(libnftnl-dev)
			pkg-config --exists libcurl || missing+=(libcurl4-openssl-dev)
		else
			missing+=(libmnl-dev libyaml-dev libjson-c-dev libmicrohttpd-dev libnftnl-dev
				libcurl4-openssl-dev)
		fi
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
		echo "# installing ${missing[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
			{ apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
	fi

	NOTE=""
	if [ -z "${SDND:-}" ]; then
		SDND=$BUILD/sdnd
		if [ ! -x "$SDND" ]; then
			echo "# building sdnd into $BUILD" >&2
			cmake -S "$ROOT" -B "$BUILD" -DSDND_TESTS=OFF -DSDND_SANITIZE=OFF \
				-DCMAKE_BUILD_TYPE=Release >&2
			cmake --build "$BUILD" -j"$(nproc)" --target sdnd >&2
		elif [ "$BUILD_SDND" = 1 ]; then
			echo "# bringing $BUILD up to date" >&2
			if ! cmake --build "$BUILD" -j"$(nproc)" --target sdnd >/dev/null 2>&1; then
				echo "# warning: rebuilding failed; measuring the existing $SDND" >&2
				NOTE=" (rebuilding failed: the binary built earlier)"
			fi
		fi
	fi
	[ -x "$SDND" ] || { echo "$NAME: no sdnd binary at $SDND" >&2; exit 1; }

	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Backstop only: the Python side removes its namespaces itself. Processes inside them are ours.
bench_cleanup() {
	local ns

	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX" || true); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
}

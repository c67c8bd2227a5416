# wait.sh - polling helpers for the shell tests (sourced; cliutil.sh
# sources it for the CLI tests).
#
#   wait_until CMD...      run CMD every 0.1 s until it succeeds; status 1
#                          when it has not after 600 tries (60 s and more)
#   comm_is PID NAME       does process PID run as NAME (/proc/PID/comm)?
#   wait_comm PID NAME     wait_until comm_is PID NAME: a job started with &
#                          has the shell's name until its exec

wait_until() {
	_i=0
	until "$@"; do
		[ $_i -lt 600 ] || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}

comm_is() {
	[ "$(cat "/proc/$1/comm" 2> /dev/null)" = "$2" ]
}

wait_comm() {
	wait_until comm_is "$1" "$2"
}

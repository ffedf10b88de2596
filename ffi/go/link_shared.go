//go:build tokenguard_shared

package tokenguard

// With the build tag tokenguard_shared, links libtokenguard.so from target/release
// of the repository and records that folder as the run-time search path. To use
// the debug build: CGO_LDFLAGS="-L$REPO/target/debug -Wl,-rpath,$REPO/target/debug".

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -Wl,-rpath,${SRCDIR}/../../target/release -ltokenguard
*/
import "C"

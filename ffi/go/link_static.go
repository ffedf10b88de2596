//go:build !tokenguard_shared

package tokenguard

// Links libtokenguard.a from target/release of the repository. To link the debug
// build, put its folder first: CGO_LDFLAGS="-L$REPO/target/debug". The Rust
// standard library inside the archive needs libm, libdl and libpthread.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -l:libtokenguard.a -lm -ldl -lpthread
*/
import "C"

// Command cluster runs the embedded Kubernetes control plane the tests use
// (etcd, kube-apiserver, controller-manager, scheduler and kwok as local
// processes) until interrupted, printing the path of its kubeconfig on
// stdout. The demo deploys to it.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/x-platform/x-platform/internal/testenv"
)

func main() {
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "cluster: "+format+"\n", args...) }
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	env, stop, err := testenv.StartCluster(logf)
	if err != nil {
		logf("%v", err)
		os.Exit(1)
	}
	fmt.Println(env.Kubeconfig)
	<-signals
	stop()
}

// Command devinfo-cni-runner runs a CNI network configuration through the
// containernetworking libcni runtime library, the way a container runtime or
// Multus runs a network: AddNetworkList / CheckNetworkList / DelNetworkList
// for a list (AddNetwork & co. for a single configuration), with
// RuntimeConf.CapabilityArgs from -cap-args. Debian ships libcni as a Go
// library only, so the e2e suite builds this small runner against it.
//
//	devinfo-cni-runner -conf FILE -netns PATH -container-id ID -ifname IF \
//	    -cni-path DIR[:DIR] -cache-dir DIR [-cap-args JSON] [-args K=V;K=V] add|check|del
//
// ADD prints the result as JSON on stdout. A failure prints
// {"error": "...", "code": N, "msg": "...", "details": "..."} on stdout (code,
// msg and details from the failing plugin's CNI error, when there is one) and
// exits with status 1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
)

func main() {
	conf := flag.String("conf", "", "network configuration file (a list with \"plugins\", or a single configuration)")
	netns := flag.String("netns", "", "network namespace path")
	containerID := flag.String("container-id", "", "container ID")
	ifName := flag.String("ifname", "eth0", "interface name")
	cniPath := flag.String("cni-path", "/usr/lib/cni", "plugin directories, separated by ':'")
	cacheDir := flag.String("cache-dir", "", "libcni's cache directory")
	capArgs := flag.String("cap-args", "", "RuntimeConf.CapabilityArgs as a JSON object")
	cniArgs := flag.String("args", "", "CNI_ARGS as K=V;K=V")
	flag.Parse()
	if flag.NArg() != 1 {
		fail(fmt.Errorf("usage: devinfo-cni-runner [flags] add|check|del"))
	}

	rt := &libcni.RuntimeConf{ContainerID: *containerID, NetNS: *netns, IfName: *ifName}
	if *capArgs != "" {
		if err := json.Unmarshal([]byte(*capArgs), &rt.CapabilityArgs); err != nil {
			fail(fmt.Errorf("-cap-args: %w", err))
		}
	}
	if *cniArgs != "" {
		for _, pair := range strings.Split(*cniArgs, ";") {
			kv := strings.SplitN(pair, "=", 2)
			if len(kv) != 2 {
				fail(fmt.Errorf("-args: %q is not K=V", pair))
			}
			rt.Args = append(rt.Args, [2]string{kv[0], kv[1]})
		}
	}

	bytes, err := os.ReadFile(*conf)
	if err != nil {
		fail(err)
	}
	var probe map[string]interface{}
	if err := json.Unmarshal(bytes, &probe); err != nil {
		fail(fmt.Errorf("%s: %w", *conf, err))
	}
	cni := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(*cniPath), *cacheDir, nil)
	ctx := context.Background()

	var result types.Result
	if _, isList := probe["plugins"]; isList {
		list, err := libcni.ConfListFromBytes(bytes)
		if err != nil {
			fail(err)
		}
		switch flag.Arg(0) {
		case "add":
			result, err = cni.AddNetworkList(ctx, list, rt)
		case "check":
			err = cni.CheckNetworkList(ctx, list, rt)
		case "del":
			err = cni.DelNetworkList(ctx, list, rt)
		default:
			err = fmt.Errorf("unknown command %q", flag.Arg(0))
		}
		if err != nil {
			fail(err)
		}
	} else {
		single, err := libcni.ConfFromBytes(bytes)
		if err != nil {
			fail(err)
		}
		switch flag.Arg(0) {
		case "add":
			result, err = cni.AddNetwork(ctx, single, rt)
		case "check":
			err = cni.CheckNetwork(ctx, single, rt)
		case "del":
			err = cni.DelNetwork(ctx, single, rt)
		default:
			err = fmt.Errorf("unknown command %q", flag.Arg(0))
		}
		if err != nil {
			fail(err)
		}
	}
	if result != nil {
		out, err := json.Marshal(result)
		if err != nil {
			fail(err)
		}
		fmt.Println(string(out))
	}
}

func fail(err error) {
	report := map[string]interface{}{"error": err.Error()}
	var cniErr *types.Error
	if errors.As(err, &cniErr) {
		report["code"] = cniErr.Code
		report["msg"] = cniErr.Msg
		report["details"] = cniErr.Details
	}
	out, _ := json.Marshal(report)
	fmt.Println(string(out))
	os.Exit(1)
}

package io.remora.xds.runtime;

import io.remora.admin.AdminContext;
import io.remora.admin.ServerState;
import io.remora.config.Address;
import io.remora.config.NodeInfo;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.ClusterManager;
import io.remora.xds.ads.XdsSnapshot;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the admin API reads of a running {@link Proxy} and asks of it (quit, drain, reopen logs). */
final class ProxyAdmin implements AdminContext {

    private final Proxy proxy;

    ProxyAdmin(Proxy proxy) {
        this.proxy = proxy;
    }

    @Override
    public StatsRegistry stats() {
        return proxy.stats();
    }

    @Override
    public void statsRequested() {
        proxy.flushStatsForAdmin();
    }

    @Override
    public ServerState serverState() {
        return proxy.state();
    }

    @Override
    public ClusterManager clusterManager() {
        return proxy.server().clusterManager();
    }

    @Override
    public io.remora.tls.SecretManager secrets() {
        return proxy.server().secrets();
    }

    @Override
    public List<ListenerStatus> listeners() {
        List<ListenerStatus> out = new ArrayList<>();
        for (Map.Entry<String, List<SocketAddress>> e : proxy.server().listenerAddresses().entrySet()) {
            List<SocketAddress> bound = e.getValue();
            SocketAddress main = bound.isEmpty() ? null : bound.get(0);
            Address internal = io.remora.internal.InternalListeners.addressOf(e.getKey(), main);
            List<Address> additional = new ArrayList<>();
            for (SocketAddress a : bound.subList(Math.min(1, bound.size()), bound.size())) {
                additional.add(toAddress(a));
            }
            out.add(new ListenerStatus(e.getKey(), internal != null ? internal : toAddress(main), additional));
        }
        return out;
    }

    @Override
    public NodeInfo node() {
        return proxy.base().node();
    }

    @Override
    public String version() {
        return "remora/" + io.remora.xds.Main.VERSION + "/RELEASE";
    }

    @Override
    public Map<String, Object> commandLineOptions() {
        return proxy.commandLine();
    }

    @Override
    public String configDump() {
        return ConfigDumps.json(proxy.staticDump(), proxy.applied(), proxy.fileSecrets().active(),
                ListenersDump.of(proxy));
    }

    @Override
    public io.remora.admin.AdminResponse configDump(io.remora.admin.ConfigDumpQuery query) {
        return ConfigDumps.dump(proxy.staticDump(), proxy.applied(), proxy.fileSecrets().active(),
                ListenersDump.of(proxy), query);
    }

    @Override
    public io.remora.runtime.RuntimeLoader runtime() {
        return proxy.runtime();
    }

    @Override
    public boolean addedViaApi(String cluster) {
        XdsSnapshot s = proxy.applied();
        return s != null && s.state(io.remora.xds.ads.XdsResourceType.CLUSTER).resources().containsKey(cluster);
    }

    @Override
    public Map<String, List<String>> unreadyTargets() {
        ServerState.State st = proxy.state().state();
        List<String> targets = new ArrayList<>();
        if (st == ServerState.State.INITIALIZING || st == ServerState.State.PRE_INITIALIZING) {
            // a snapshot of load assignments alone (applied ahead of the clusters warming) does not answer CDS
            XdsSnapshot applied = proxy.applied();
            boolean cdsApplied = applied != null && applied.state(io.remora.xds.ads.XdsResourceType.CLUSTER)
                    .lastUpdated().isAfter(java.time.Instant.EPOCH);
            if (!cdsApplied && proxy.bootstrap().getDynamicResources().hasCdsConfig()) {
                targets.add("CDS");
            }
            if ((proxy.applied() == null || proxy.ldsOwed()) && proxy.bootstrap().getDynamicResources().hasLdsConfig()) {
                targets.add("LDS");
            }
        }
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        if (!targets.isEmpty()) {
            out.put("init manager Server", targets);
        }
        // the clusters' first health-check rounds, then the warming listeners' own init managers
        out.putAll(proxy.server().unreadyClusterTargets());
        out.putAll(proxy.server().unreadyListenerTargets());
        return out;
    }

    @Override
    public void quit() {
        proxy.quit();
    }

    @Override
    public void drainListeners(boolean inboundOnly, boolean graceful, boolean skipExit) {
        proxy.server().drainListeners(inboundOnly, graceful, skipExit);
    }

    @Override
    public void reopenLogs() {
        proxy.accessLogs().reopen();
    }

    private static Address toAddress(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return new Address.Tcp(i.getAddress() != null ? io.netty.util.NetUtil.toAddressString(i.getAddress())
                    : i.getHostString(), i.getPort());
        }
        if (a instanceof io.netty.channel.unix.DomainSocketAddress d) {
            return new Address.Pipe(d.path());
        }
        return new Address.Pipe(String.valueOf(a));
    }
}

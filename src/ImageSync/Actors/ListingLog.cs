using Akka.Event;
using ImageSync.Domain;
using ImageSync.Nodes.Discovery;

namespace ImageSync.Actors;

/// <summary>What the run log says of a sync's nodes before it starts: those left out, the scope, and what could not be listed.</summary>
internal static class ListingLog
{
    public static void Announce(this ILoggingAdapter log, NodeListing listing, RunScope? scope)
    {
        foreach (var note in listing.Notes) log.Info("{0}", note);
        if (scope is { IsEverything: false }) log.Info("SYNC SCOPE: {0}", scope);
        // The CLI checks --node against the listed nodes; those a Kubernetes API lists are known only now.
        foreach (var missing in (scope?.Nodes ?? []).Where(name => listing.Nodes.All(n => n.Name != name)))
            log.Warning("--node {0}: no such node in this sync, nothing is pulled onto it", missing);
        if (listing.Error is not null)
            log.Error(listing.Nodes.Count == 0 ? "NODE DISCOVERY FAILED, no node to sync: {0}" : "NODE DISCOVERY FAILED, syncing the listed nodes only: {0}", listing.Error);
    }
}

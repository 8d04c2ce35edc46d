// The rules usePim keeps its state by, apart from React so they can be tested alone: which of a
// profile's activation calls is the current one, and which membership end times are still kept.

/**
 * Numbers each profile's activation calls. Starting one supersedes the one before (the main
 * process stops it); only the current call's answer may change the profile's progress.
 */
export class CurrentCalls {
  private readonly latest = new Map<string, number>();
  private count = 0;

  /** Starts a call for the profile; the function says whether it is still the profile's current one. */
  start(profileId: string): () => boolean {
    const n = ++this.count;
    this.latest.set(profileId, n);
    return () => this.latest.get(profileId) === n;
  }
}

export interface LiveProfiles {
  /** Every saved profile. */
  profileIds: ReadonlySet<string>;
  /** Profiles with a connection tab open (its status bar shows the membership's end). */
  openProfileIds: ReadonlySet<string>;
}

/**
 * The membership ends still worth keeping: a deleted profile's go, and so does one that ended
 * once no tab of its profile shows it any more (a tab still says it ended: new logins fail). One
 * that has not ended stays after its tab closes — a reconnect still warns before it ends.
 * The same map when nothing goes, so React keeps its state.
 */
export function keptEnds(ends: ReadonlyMap<string, string>, live: LiveProfiles, now: number): ReadonlyMap<string, string> {
  const gone = [...ends].filter(([id, end]) => !live.profileIds.has(id) || (!live.openProfileIds.has(id) && !(Date.parse(end) > now)));
  if (gone.length === 0) return ends;
  const next = new Map(ends);
  for (const [id] of gone) next.delete(id);
  return next;
}

/** Milliseconds until the next kept end passes (when keptEnds may drop it), or null when none is ahead. */
export function nextEndIn(ends: ReadonlyMap<string, string>, now: number): number | null {
  const ahead = [...ends.values()].map((end) => Date.parse(end) - now).filter((ms) => ms > 0);
  return ahead.length ? Math.min(...ahead) : null;
}

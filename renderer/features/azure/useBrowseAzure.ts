// The Browse Azure view's state, kept outside App.tsx: the account whose ARM token is used, its
// subscriptions and servers, the filter, the selected server's details, and the proposal that
// "Create profile" hands to the profile editor. Answers for an account or server that is no
// longer selected are dropped.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ServerListing } from '../../../shared/azure.js';
import type { Account, CallOutput } from '../../../shared/contract.js';
import type { ErrorPayload } from '../../../shared/errors.js';
import { cloudFromRef } from '../../../shared/profile.js';
import { call, errorPayloadOf } from '../../base/api.js';
import { groupBySubscription, type SubscriptionGroup } from './serverList.js';

export type ServerDetails = CallOutput<'azure.getServer'>;
export type ProfileProposal = CallOutput<'azure.proposeProfile'>;

interface Loadable<T> {
  data: T | null;
  loading: boolean;
  error: ErrorPayload | null;
}

const IDLE = { data: null, loading: false, error: null };

export interface BrowseAzure {
  /** `cloud|username` of the chosen account ('' when none is signed in). */
  accountKey: string;
  account: Account | undefined;
  chooseAccount(key: string): void;
  listing: Loadable<ServerListing>;
  groups: SubscriptionGroup[];
  filter: string;
  setFilter(filter: string): void;
  /** Loads the listing if it has not been loaded for the chosen account yet. */
  ensureLoaded(): void;
  refresh(): void;
  selectedId: string | null;
  select(serverId: string): void;
  details: Loadable<ServerDetails>;
  proposing: boolean;
  proposeError: ErrorPayload | null;
  /** azure.proposeProfile for the server; null when it failed (proposeError says why). */
  propose(serverId: string): Promise<ProfileProposal | null>;
}

export const accountKeyOf = (a: Pick<Account, 'cloud' | 'username'>): string => `${a.cloud}|${a.username}`;

export function useBrowseAzure(accounts: readonly Account[]): BrowseAzure {
  const [chosen, setChosen] = useState<string>('');
  const [listing, setListing] = useState<Loadable<ServerListing>>(IDLE);
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [details, setDetails] = useState<Loadable<ServerDetails>>(IDLE);
  const [proposing, setProposing] = useState(false);
  const [proposeError, setProposeError] = useState<ErrorPayload | null>(null);
  const listRun = useRef(0);
  const detailsRun = useRef(0);

  // The chosen account, or the first signed-in one (e.g. right after signing in from the prompt).
  const account = accounts.find((a) => accountKeyOf(a) === chosen) ?? accounts[0];
  const accountKey = account ? accountKeyOf(account) : '';
  const caller = useMemo(() => (account ? { cloud: cloudFromRef(account.cloud), account: account.username } : null), [account]);

  const load = useCallback(() => {
    if (!caller) return;
    const run = ++listRun.current;
    // A refresh keeps the servers on screen while it runs; another account's never show.
    const keep = loadedFor === accountKey;
    setLoadedFor(accountKey);
    setListing((l) => ({ data: keep ? l.data : null, loading: true, error: null }));
    const settle = (next: Loadable<ServerListing>): void => {
      if (run === listRun.current) setListing(next);
    };
    call('azure.listServers', caller)
      .then((data) => settle({ data, loading: false, error: null }))
      .catch((e: unknown) => settle({ data: null, loading: false, error: errorPayloadOf(e) }));
  }, [caller, accountKey, loadedFor]);

  const ensureLoaded = useCallback(() => {
    if (accountKey && loadedFor !== accountKey) load();
  }, [accountKey, loadedFor, load]);

  // Another account: its own servers, nothing selected.
  useEffect(() => {
    setSelectedId(null);
    setDetails(IDLE);
    setProposeError(null);
  }, [accountKey]);

  const select = useCallback(
    (serverId: string) => {
      if (!caller) return;
      const run = ++detailsRun.current;
      setSelectedId(serverId);
      setProposeError(null);
      setDetails({ data: null, loading: true, error: null });
      const settle = (next: Loadable<ServerDetails>): void => {
        if (run === detailsRun.current) setDetails(next);
      };
      call('azure.getServer', { ...caller, server: serverId })
        .then((data) => settle({ data, loading: false, error: null }))
        .catch((e: unknown) => settle({ data: null, loading: false, error: errorPayloadOf(e) }));
    },
    [caller],
  );

  const propose = useCallback(
    async (serverId: string): Promise<ProfileProposal | null> => {
      if (!caller) return null;
      setProposing(true);
      setProposeError(null);
      try {
        return await call('azure.proposeProfile', { ...caller, server: serverId });
      } catch (e) {
        setProposeError(errorPayloadOf(e));
        return null;
      } finally {
        setProposing(false);
      }
    },
    [caller],
  );

  const groups = useMemo(() => (listing.data ? groupBySubscription(listing.data, filter) : []), [listing.data, filter]);

  return {
    accountKey,
    account,
    chooseAccount: setChosen,
    listing,
    groups,
    filter,
    setFilter,
    ensureLoaded,
    refresh: load,
    selectedId,
    select,
    details,
    proposing,
    proposeError,
    propose,
  };
}

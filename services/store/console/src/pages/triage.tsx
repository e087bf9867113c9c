import { useState } from 'preact/hooks';
import { ApiError, get, post, queryString, type Finding } from '../api.js';
import { href } from '../route.js';
import { formText, Head, Loading, useLoad, when } from './shared.js';

export const triageStates = ['new', 'acknowledged', 'resolved', 'false-positive'] as const;
export interface TriageAction {
  id: string;
  at: string;
  actor: string;
  kind: 'state' | 'suppression-proposed';
  findingIds: string[];
  incidentId: string | null;
  state: string | null;
  comment: string;
  draft: string | null;
}
const suppressionFields = ['user', 'namespace', 'cluster', 'resource', 'name', 'userAgent', 'verb'] as const;

/** The finding's triage: its state, a form to change it (analysts), its action log and "suppress like this". */
export function TriagePanel({ finding, canWrite, incident }: { finding: Finding; canWrite: boolean; incident: boolean }) {
  const [version, setVersion] = useState(0);
  const url = `/v1/triage/actions${queryString({ findingId: finding.id })}`;
  const { data, error } = useLoad(`${url}#${String(version)}`, () => get<{ items: TriageAction[] }>(url));
  const current = data?.items.find((a) => a.kind === 'state')?.state ?? 'new';
  return (
    <section aria-label="Triage">
      <h2>Triage</h2>
      <Loading error={error}>
        {data && (
          <p>
            State: <strong data-triage-state={current}>{current}</strong>
          </p>
        )}
      </Loading>
      {canWrite && (
        <TriageForm
          key={current}
          current={current}
          incident={incident}
          onSave={async (state, comment, wholeIncident) => {
            await post('/v1/triage', wholeIncident ? { incidentId: finding.id, state, comment } : { findingIds: [finding.id], state, comment });
            setVersion((v) => v + 1);
          }}
        />
      )}
      {data && <ActionLog items={data.items} />}
      {canWrite && (
        <Suppress
          finding={finding}
          onProposed={() => {
            setVersion((v) => v + 1);
          }}
        />
      )}
    </section>
  );
}

function TriageForm({ current, incident, onSave }: { current: string; incident: boolean; onSave: (state: string, comment: string, wholeIncident: boolean) => Promise<void> }) {
  const [error, setError] = useState<string | undefined>();
  return (
    <form
      class="triage"
      aria-label="Set triage state"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const text = (k: string) => formText(form, k);
        const target = e.currentTarget;
        onSave(text('state'), text('comment'), form.get('incident') === 'on').then(
          () => {
            setError(undefined);
            target.reset();
          },
          (err: unknown) => {
            setError(err instanceof ApiError ? err.message : String(err));
          },
        );
      }}
    >
      <label>
        state
        <select name="state" defaultValue={current}>
          {triageStates.map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
      </label>
      <label>
        comment <input name="comment" maxLength={4000} size={40} />
      </label>
      {incident && (
        <label>
          <input type="checkbox" name="incident" defaultChecked /> every finding of the incident it opens
        </label>
      )}
      <button type="submit">Save</button>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function ActionLog({ items, showFindings = false }: { items: TriageAction[]; showFindings?: boolean }) {
  if (items.length === 0) return <p class="note">No triage action yet.</p>;
  return (
    <table class="list" aria-label="Action log">
      <Head columns={['when', 'who', 'what', 'comment', ...(showFindings ? ['findings'] : [])]} />
      <tbody>
        {items.map((a) => (
          <tr>
            <td class="time">{when(a.at)}</td>
            <td>{a.actor}</td>
            <td>
              {a.kind === 'state' ? `set ${a.state ?? ''}` : 'proposed a suppression'}
              {a.incidentId !== null ? ` on an incident (${String(a.findingIds.length)} findings)` : ''}
            </td>
            <td>{a.comment || '—'}</td>
            {showFindings && (
              <td>
                <a href={href('finding', a.findingIds[0])}>{a.findingIds.length === 1 ? 'the finding' : `${String(a.findingIds.length)} findings`}</a>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Suppress({ finding, onProposed }: { finding: Finding; onProposed: () => void }) {
  const [draft, setDraft] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  return (
    <details class="suppress">
      <summary>Suppress like this</summary>
      <form
        aria-label="Suppress like this"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          const fields = suppressionFields.filter((f) => form.get(f) === 'on');

          post<{ yaml: string }>(`/v1/findings/${encodeURIComponent(finding.id)}/suppression`, { fields, comment: formText(form, 'comment') }).then(
            (r) => {
              setDraft(r.yaml);
              setError(undefined);
              onProposed();
            },
            (err: unknown) => {
              setError(err instanceof ApiError ? err.message : String(err));
            },
          );
        }}
      >
        <fieldset>
          <legend>An exception to {finding.ruleId} for requests with the same</legend>
          {suppressionFields.map((f) => (
            <label>
              <input type="checkbox" name={f} defaultChecked={f === 'user'} /> {f} ({finding[f] ?? 'none'})
            </label>
          ))}
        </fieldset>
        <label>
          why <input name="comment" size={40} />
        </label>
        <button type="submit">Propose to an admin</button>
      </form>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {draft !== undefined && (
        <>
          <p>Proposed (in the action log). An admin adds this to the rules file (KAUDIT_RULES_FILE):</p>
          <pre class="json" aria-label="Suppression draft">{draft}</pre>
        </>
      )}
    </details>
  );
}

/** The action log of every finding: who changed what, when; suppression drafts for admins to review. */
export function Actions() {
  const { data, error } = useLoad('actions', () => get<{ items: TriageAction[] }>('/v1/triage/actions?limit=200'));
  const drafts = data?.items.filter((a) => a.kind === 'suppression-proposed') ?? [];
  return (
    <section>
      <h1>Action log</h1>
      <Loading error={error}>
        {data && (
          <>
            <ActionLog items={data.items} showFindings />
            <h2>Suppressions proposed</h2>
            {drafts.length === 0 && <p class="note">None.</p>}
            {drafts.map((a) => (
              <figure class="draft">
                <figcaption>
                  {a.actor}, {when(a.at)}: {a.comment || 'no comment'}
                </figcaption>
                <pre class="json">{a.draft}</pre>
              </figure>
            ))}
          </>
        )}
      </Loading>
    </section>
  );
}

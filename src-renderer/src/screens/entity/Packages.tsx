import { api } from '../../store';
import { useLoad } from '../../useLoad';
import { Async } from '../../components/Async';
import { PackageRow } from './PackageRow';

/** Received packages: verify the cross-chain proof, see the details, export FHIR or CSV. */
export function Packages() {
  const state = useLoad(() => api()['packages.list']({}), []);
  return (
    <section aria-labelledby="packages-title" data-testid="packages-view">
      <h1 id="packages-title">Packages</h1>
      <Async state={state} label="packages" isEmpty={(d) => d.packages.length === 0} emptyText="No package received yet. Packages arrive once a provider approves a request.">
        {(d) => <ul className="list">{d.packages.map((p) => <PackageRow key={p.id} pkg={p} />)}</ul>}
      </Async>
    </section>
  );
}

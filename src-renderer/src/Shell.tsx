import { useApp, type View } from './store';
import { Nav } from './components/Nav';
import { RoleSwitcher } from './components/RoleSwitcher';
import { ThemeToggle } from './components/ThemeToggle';
import { PatientSearch } from './screens/clinician/PatientSearch';
import { Chart } from './screens/clinician/Chart';
import { ImportBundle } from './screens/clinician/ImportBundle';
import { ShareRequests } from './screens/clinician/ShareRequests';
import { Audit } from './screens/Audit';
import { MyRecords } from './screens/patient/MyRecords';
import { Consents } from './screens/patient/Consents';
import { Requests } from './screens/entity/Requests';
import { Packages } from './screens/entity/Packages';
import { Network } from './screens/network/Network';

const SCREENS: Record<View, () => React.ReactElement> = {
  patients: () => <PatientSearch />,
  chart: () => <Chart />,
  import: () => <ImportBundle />,
  requests: () => <ShareRequests />,
  audit: () => <Audit title="Audit trail" />,
  records: () => <MyRecords />,
  consents: () => <Consents />,
  access: () => <Audit title="Who accessed or received my data" />,
  'file-request': () => <Requests />,
  packages: () => <Packages />,
  network: () => <Network />,
};

/** Header (brand, role switcher, theme), navigation of the active role, and the current view. */
export function Shell() {
  const view = useApp((s) => s.view);
  const active = useApp((s) => s.active);
  const info = useApp((s) => s.info);
  return (
    <div className="shell" data-testid="shell" data-role={active?.role}>
      <header className="topbar">
        <span className="brand">Trichain{info?.demo && <span className="badge badge-warn">demo</span>}</span>
        <RoleSwitcher />
        <ThemeToggle />
      </header>
      <Nav />
      <main id="main-content" className="content" tabIndex={-1} key={`${active?.id}-${view}`}>
        {SCREENS[view]()}
      </main>
    </div>
  );
}

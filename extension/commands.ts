/**
 * Every command the extension contributes, in one place. package.json `contributes.commands`
 * declares the same ids; a unit test checks that the two lists match, and an integration
 * test that each is registered in the running extension host.
 *
 * No `vscode` import here, so plain-Node tests can load this module.
 */
export enum Command {
  NewNotebook = 'labbook.newNotebook',
  RestartKernel = 'labbook.restartKernel',
  InterruptKernel = 'labbook.interruptKernel',
  InstallPackages = 'labbook.installPackages',
  ShowVariableInPanel = 'labbook.showVariableInPanel',
  RefreshVariables = 'labbook.refreshVariables',
  DebugCell = 'labbook.debugCell',
  OpenRun = 'labbook.openRun',
  CopyRunId = 'labbook.copyRunId',
  DeleteRun = 'labbook.deleteRun',
  RevealRunNotebook = 'labbook.revealRunNotebook',
  RefreshRuns = 'labbook.refreshRuns',
  ShowMyRuns = 'labbook.showMyRuns',
  ShowEveryonesRuns = 'labbook.showEveryonesRuns',
  OpenRunsTable = 'labbook.openRunsTable',
  CompareRuns = 'labbook.compareRuns',
  RenameRun = 'labbook.renameRun',
  TagRun = 'labbook.tagRun',
  EditRunNote = 'labbook.editRunNote',
  PinRun = 'labbook.pinRun',
  UnpinRun = 'labbook.unpinRun',
  RestoreRun = 'labbook.restoreRun',
  PurgeRun = 'labbook.purgeRun',
  PurgeDeletedRuns = 'labbook.purgeDeletedRuns',
  SetKeyMetric = 'labbook.setKeyMetric',
  ReopenRunSource = 'labbook.reopenRunSource',
  PromoteModelVersion = 'labbook.promoteModelVersion',
  PromoteToProduction = 'labbook.promoteToProduction',
  SetModelAlias = 'labbook.setModelAlias',
  ArchiveModelVersion = 'labbook.archiveModelVersion',
  CompareModelVersions = 'labbook.compareModelVersions',
  OpenModelCard = 'labbook.openModelCard',
  OpenModelRegistry = 'labbook.openModelRegistry',
  RegisterModelFromRun = 'labbook.registerModelFromRun',
  RefreshModels = 'labbook.refreshModels',
  ProfileData = 'labbook.profileData',
  ValidateData = 'labbook.validateData',
  OpenDatasetVersion = 'labbook.openDatasetVersion',
  RefreshDatasets = 'labbook.refreshDatasets',
  CompareDatasetVersions = 'labbook.compareDatasetVersions',
  CompareDataForDrift = 'labbook.compareDataForDrift',
  CheckDriftAgainst = 'labbook.checkDriftAgainst',
  DeployModel = 'labbook.deployModel',
  StartCanary = 'labbook.startCanary',
  ShiftTraffic = 'labbook.shiftTraffic',
  PromoteCandidate = 'labbook.promoteCandidate',
  RollbackDeployment = 'labbook.rollbackDeployment',
  StopDeployment = 'labbook.stopDeployment',
  OpenDeploymentMonitor = 'labbook.openDeploymentMonitor',
  CopyDeploymentToken = 'labbook.copyDeploymentToken',
  RefreshDeployments = 'labbook.refreshDeployments',
}

/** Title and category as package.json shows them in the command palette. */
export interface CommandInfo {
  id: Command;
  title: string;
  category: 'Labbook';
}

export const COMMANDS: readonly CommandInfo[] = [
  { id: Command.NewNotebook, title: 'New TypeScript Notebook', category: 'Labbook' },
  { id: Command.RestartKernel, title: 'Restart Kernel', category: 'Labbook' },
  { id: Command.InterruptKernel, title: 'Interrupt Kernel', category: 'Labbook' },
  { id: Command.InstallPackages, title: 'Install Missing Packages', category: 'Labbook' },
  { id: Command.ShowVariableInPanel, title: 'Show Variable in Panel', category: 'Labbook' },
  { id: Command.RefreshVariables, title: 'Refresh Variables', category: 'Labbook' },
  { id: Command.DebugCell, title: 'Debug Cell', category: 'Labbook' },
  { id: Command.OpenRun, title: 'Open Run Details', category: 'Labbook' },
  { id: Command.CopyRunId, title: 'Copy Run ID', category: 'Labbook' },
  { id: Command.DeleteRun, title: 'Delete Run…', category: 'Labbook' },
  { id: Command.RevealRunNotebook, title: 'Open Source Notebook of Run', category: 'Labbook' },
  { id: Command.RefreshRuns, title: 'Refresh Runs', category: 'Labbook' },
  { id: Command.ShowMyRuns, title: 'Show My Runs', category: 'Labbook' },
  { id: Command.ShowEveryonesRuns, title: "Show Everyone's Runs", category: 'Labbook' },
  { id: Command.OpenRunsTable, title: 'Open Runs Table', category: 'Labbook' },
  { id: Command.CompareRuns, title: 'Compare Runs', category: 'Labbook' },
  { id: Command.RenameRun, title: 'Rename Run…', category: 'Labbook' },
  { id: Command.TagRun, title: 'Tag Run…', category: 'Labbook' },
  { id: Command.EditRunNote, title: 'Edit Run Note…', category: 'Labbook' },
  { id: Command.PinRun, title: 'Pin Run', category: 'Labbook' },
  { id: Command.UnpinRun, title: 'Unpin Run', category: 'Labbook' },
  { id: Command.RestoreRun, title: 'Restore Run', category: 'Labbook' },
  { id: Command.PurgeRun, title: 'Delete Run Permanently…', category: 'Labbook' },
  { id: Command.PurgeDeletedRuns, title: 'Empty Deleted Runs…', category: 'Labbook' },
  { id: Command.SetKeyMetric, title: 'Set Key Metric…', category: 'Labbook' },
  { id: Command.ReopenRunSource, title: 'Reopen Run Source', category: 'Labbook' },
  { id: Command.PromoteModelVersion, title: 'Promote Model Version…', category: 'Labbook' },
  { id: Command.PromoteToProduction, title: 'Promote to Production…', category: 'Labbook' },
  { id: Command.SetModelAlias, title: 'Set Model Alias…', category: 'Labbook' },
  { id: Command.ArchiveModelVersion, title: 'Archive Model Version…', category: 'Labbook' },
  { id: Command.CompareModelVersions, title: 'Compare Model Versions', category: 'Labbook' },
  { id: Command.OpenModelCard, title: 'Open Model Card', category: 'Labbook' },
  { id: Command.OpenModelRegistry, title: 'Open Model Registry', category: 'Labbook' },
  { id: Command.RegisterModelFromRun, title: 'Register Model from Run…', category: 'Labbook' },
  { id: Command.RefreshModels, title: 'Refresh Models', category: 'Labbook' },
  { id: Command.ProfileData, title: 'Profile Data', category: 'Labbook' },
  { id: Command.ValidateData, title: 'Validate Data Against Suite…', category: 'Labbook' },
  { id: Command.OpenDatasetVersion, title: 'Open Data Set Version', category: 'Labbook' },
  { id: Command.RefreshDatasets, title: 'Refresh Data Sets', category: 'Labbook' },
  { id: Command.CompareDatasetVersions, title: 'Compare for Drift with…', category: 'Labbook' },
  { id: Command.CompareDataForDrift, title: 'Compare Data for Drift…', category: 'Labbook' },
  { id: Command.CheckDriftAgainst, title: 'Check Drift Against…', category: 'Labbook' },
  { id: Command.DeployModel, title: 'Deploy Model…', category: 'Labbook' },
  { id: Command.StartCanary, title: 'Start Canary…', category: 'Labbook' },
  { id: Command.ShiftTraffic, title: 'Shift Traffic…', category: 'Labbook' },
  { id: Command.PromoteCandidate, title: 'Promote Candidate', category: 'Labbook' },
  { id: Command.RollbackDeployment, title: 'Rollback Deployment', category: 'Labbook' },
  { id: Command.StopDeployment, title: 'Stop Deployment…', category: 'Labbook' },
  { id: Command.OpenDeploymentMonitor, title: 'Open Deployment Monitor', category: 'Labbook' },
  { id: Command.CopyDeploymentToken, title: 'Copy Deployment Token', category: 'Labbook' },
  { id: Command.RefreshDeployments, title: 'Refresh Deployments', category: 'Labbook' },
];

/** Ids of every contributed command. */
export const COMMAND_IDS: readonly Command[] = COMMANDS.map((c) => c.id);

/** The controller's ids, as VS Code spells them in `notebook.selectKernel` and the `notebookKernel` context key. */
export const EXTENSION_ID = 'labbook.labbook';
export const CONTROLLER_ID = 'labbook-typescript';
export const NOTEBOOK_TYPE = 'jupyter-notebook';
/** Value of the `notebookKernel` context key while the Labbook kernel is the notebook's kernel. */
export const KERNEL_CONTEXT_VALUE = `${EXTENSION_ID}/${CONTROLLER_ID}`;

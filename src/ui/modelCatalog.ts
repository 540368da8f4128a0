import type { ModelInfo, OxenClient } from '../oxen/client';

/** Model descriptions, fetched once per session: the palette and every request need them. */
export class ModelCatalog {
  private readonly models = new Map<string, Promise<ModelInfo>>();

  constructor(private readonly client: OxenClient) {}

  get(modelId: string): Promise<ModelInfo> {
    let model = this.models.get(modelId);
    if (!model) {
      model = this.client.getModel(modelId);
      this.models.set(modelId, model);
      // A failure (no key yet, offline) must not stick for the rest of the session.
      model.catch(() => this.models.delete(modelId));
    }
    return model;
  }
}

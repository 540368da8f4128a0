import { ApiError, invalidParams } from '../errors';
import type { Model, ModelCatalog } from '../models';

/**
 * The model check both generation endpoints make before anything else: it must exist (404 on
 * the queue, 400 on the sync endpoint, per the contract) and it must output images.
 */
export function requireImageModel(catalog: ModelCatalog, id: unknown, notFoundStatus: 400 | 404): Model {
  if (typeof id !== 'string' || id === '') throw invalidParams('model is required');
  const model = catalog.find(id);
  if (!model) throw new ApiError(notFoundStatus, notFoundStatus === 404 ? 'resource_not_found' : 'invalid_params', `Model not found: ${id}`);
  // The inspected-atom text of the Phoenix backend (oxen-api.md §1), kept verbatim.
  if (!catalog.outputsImage(model)) throw invalidParams(':unsupported_media_type');
  return model;
}

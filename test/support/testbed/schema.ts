/**
 * AtoM's tables that jobs touch, with AtoM's names, types, foreign keys and cascades
 * (class-table inheritance: every job, user, term and note hangs off `object`).
 */
export const ATOM_SCHEMA: string[] = [
  `CREATE TABLE object (
    id INT NOT NULL AUTO_INCREMENT,
    class_name VARCHAR(255),
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    serial_number INT NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY object_I_class_name (class_name)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE taxonomy (
    id INT NOT NULL,
    \`usage\` VARCHAR(255),
    parent_id INT,
    lft INT NOT NULL DEFAULT 0,
    rgt INT NOT NULL DEFAULT 0,
    source_culture VARCHAR(16) NOT NULL DEFAULT 'en',
    PRIMARY KEY (id),
    CONSTRAINT taxonomy_FK_1 FOREIGN KEY (id) REFERENCES object (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE term (
    id INT NOT NULL,
    taxonomy_id INT NOT NULL,
    code VARCHAR(1024),
    parent_id INT,
    lft INT NOT NULL DEFAULT 0,
    rgt INT NOT NULL DEFAULT 0,
    source_culture VARCHAR(16) NOT NULL DEFAULT 'en',
    PRIMARY KEY (id),
    CONSTRAINT term_FK_1 FOREIGN KEY (id) REFERENCES object (id) ON DELETE CASCADE,
    CONSTRAINT term_FK_2 FOREIGN KEY (taxonomy_id) REFERENCES taxonomy (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE term_i18n (
    name VARCHAR(1024),
    id INT NOT NULL,
    culture VARCHAR(16) NOT NULL,
    PRIMARY KEY (id, culture),
    CONSTRAINT term_i18n_FK_1 FOREIGN KEY (id) REFERENCES term (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE actor (
    id INT NOT NULL,
    corporate_body_identifiers VARCHAR(1024),
    entity_type_id INT,
    description_status_id INT,
    description_detail_id INT,
    description_identifier VARCHAR(1024),
    source_standard VARCHAR(1024),
    parent_id INT,
    lft INT NOT NULL DEFAULT 0,
    rgt INT NOT NULL DEFAULT 0,
    source_culture VARCHAR(16) NOT NULL DEFAULT 'en',
    PRIMARY KEY (id),
    CONSTRAINT actor_FK_1 FOREIGN KEY (id) REFERENCES object (id) ON DELETE CASCADE,
    CONSTRAINT actor_FK_2 FOREIGN KEY (entity_type_id) REFERENCES term (id) ON DELETE SET NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE actor_i18n (
    authorized_form_of_name VARCHAR(1024),
    id INT NOT NULL,
    culture VARCHAR(16) NOT NULL,
    PRIMARY KEY (id, culture),
    CONSTRAINT actor_i18n_FK_1 FOREIGN KEY (id) REFERENCES actor (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE user (
    id INT NOT NULL,
    username VARCHAR(255),
    email VARCHAR(255),
    sha1_password VARCHAR(255),
    salt VARCHAR(255),
    active TINYINT DEFAULT 1,
    PRIMARY KEY (id),
    CONSTRAINT user_FK_1 FOREIGN KEY (id) REFERENCES actor (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE information_object (
    id INT NOT NULL,
    identifier VARCHAR(1024),
    level_of_description_id INT,
    parent_id INT,
    lft INT NOT NULL DEFAULT 0,
    rgt INT NOT NULL DEFAULT 0,
    source_culture VARCHAR(16) NOT NULL DEFAULT 'en',
    PRIMARY KEY (id),
    CONSTRAINT information_object_FK_1 FOREIGN KEY (id) REFERENCES object (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE information_object_i18n (
    title VARCHAR(1024),
    id INT NOT NULL,
    culture VARCHAR(16) NOT NULL,
    PRIMARY KEY (id, culture),
    CONSTRAINT information_object_i18n_FK_1 FOREIGN KEY (id) REFERENCES information_object (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE slug (
    object_id INT NOT NULL,
    slug VARCHAR(255) NOT NULL,
    id INT NOT NULL AUTO_INCREMENT,
    serial_number INT NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    UNIQUE KEY slug_U_1 (object_id),
    UNIQUE KEY slug_U_2 (slug),
    CONSTRAINT slug_FK_1 FOREIGN KEY (object_id) REFERENCES object (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE job (
    id INT NOT NULL,
    name VARCHAR(255),
    download_path TEXT,
    completed_at DATETIME,
    user_id INT,
    object_id INT,
    status_id INT,
    output TEXT,
    PRIMARY KEY (id),
    KEY job_FI_2 (user_id),
    KEY job_FI_3 (object_id),
    KEY job_FI_4 (status_id),
    CONSTRAINT job_FK_1 FOREIGN KEY (id) REFERENCES object (id) ON DELETE CASCADE,
    CONSTRAINT job_FK_2 FOREIGN KEY (user_id) REFERENCES user (id) ON DELETE SET NULL,
    CONSTRAINT job_FK_3 FOREIGN KEY (object_id) REFERENCES object (id) ON DELETE SET NULL,
    CONSTRAINT job_FK_4 FOREIGN KEY (status_id) REFERENCES term (id) ON DELETE SET NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE note (
    object_id INT NOT NULL,
    type_id INT,
    scope VARCHAR(1024),
    user_id INT,
    id INT NOT NULL AUTO_INCREMENT,
    source_culture VARCHAR(16) NOT NULL DEFAULT 'en',
    serial_number INT NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY note_FI_1 (object_id),
    CONSTRAINT note_FK_1 FOREIGN KEY (object_id) REFERENCES object (id) ON DELETE CASCADE,
    CONSTRAINT note_FK_2 FOREIGN KEY (type_id) REFERENCES term (id) ON DELETE SET NULL,
    CONSTRAINT note_FK_3 FOREIGN KEY (user_id) REFERENCES user (id) ON DELETE SET NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE note_i18n (
    content TEXT,
    id INT NOT NULL,
    culture VARCHAR(16) NOT NULL,
    PRIMARY KEY (id, culture),
    CONSTRAINT note_i18n_FK_1 FOREIGN KEY (id) REFERENCES note (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE property (
    object_id INT NOT NULL,
    scope VARCHAR(1024),
    name VARCHAR(1024),
    id INT NOT NULL AUTO_INCREMENT,
    source_culture VARCHAR(16) NOT NULL DEFAULT 'en',
    serial_number INT NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY property_FI_1 (object_id),
    CONSTRAINT property_FK_1 FOREIGN KEY (object_id) REFERENCES object (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE property_i18n (
    value TEXT,
    id INT NOT NULL,
    culture VARCHAR(16) NOT NULL,
    PRIMARY KEY (id, culture),
    CONSTRAINT property_i18n_FK_1 FOREIGN KEY (id) REFERENCES property (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  // Site settings (not objects): the enabled plugins live here, as a PHP-serialized list.
  `CREATE TABLE setting (
    name VARCHAR(255),
    scope VARCHAR(255),
    editable TINYINT DEFAULT 0,
    deleteable TINYINT DEFAULT 0,
    source_culture VARCHAR(16) NOT NULL,
    id INT NOT NULL AUTO_INCREMENT,
    serial_number INT NOT NULL DEFAULT 0,
    PRIMARY KEY (id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE setting_i18n (
    value TEXT,
    id INT NOT NULL,
    culture VARCHAR(16) NOT NULL,
    PRIMARY KEY (id, culture),
    CONSTRAINT setting_i18n_FK_1 FOREIGN KEY (id) REFERENCES setting (id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
]

/** Taxonomy and term ids AtoM fixes in its data (QubitTaxonomy / QubitTerm constants). */
export const TAXONOMY = {noteType: 37, jobStatus: 79} as const
export const TERM = {generalNote: 125, jobInProgress: 183, jobCompleted: 184, jobError: 185, jobErrorNote: 197} as const

export const TERMS: Array<{id: number; taxonomy: number; name: string}> = [
  {id: TERM.generalNote, taxonomy: TAXONOMY.noteType, name: 'General note'},
  {id: TERM.jobInProgress, taxonomy: TAXONOMY.jobStatus, name: 'In progress'},
  {id: TERM.jobCompleted, taxonomy: TAXONOMY.jobStatus, name: 'Completed'},
  {id: TERM.jobError, taxonomy: TAXONOMY.jobStatus, name: 'Error'},
  {id: TERM.jobErrorNote, taxonomy: TAXONOMY.noteType, name: 'Job error note'},
]

/**
 * The plugins a fresh AtoM 2.x install enables in its `plugins` setting (templates, themes, formats):
 * qtSwordPlugin is on disk but not among them, so its worker class is never registered.
 */
export const STOCK_ENABLED_PLUGINS = [
  'sfDcPlugin',
  'arDominionB5Plugin',
  'sfEacPlugin',
  'sfEadPlugin',
  'sfIsaarPlugin',
  'sfIsadPlugin',
  'arDacsPlugin',
  'sfIsdfPlugin',
  'sfIsdiahPlugin',
  'sfModsPlugin',
  'sfRadPlugin',
  'sfSkosPlugin',
]

/** Job classes whose code lives in a plugin, by plugin (everything else lives under lib/job/). */
export const PLUGIN_JOB_CLASSES: Record<string, string> = {qtSwordPluginWorker: 'qtSwordPlugin'}

/** The stock gearman.yml worker_types (AtoM 2.x). */
export const STOCK_WORKER_TYPES: Record<string, string[]> = {
  general: ['arFindingAidJob'],
  acl: ['arInheritRightsJob'],
  actor_relations: ['arUpdateEsActorRelationsJob'],
  calculate_dates: ['arCalculateDescendantDatesJob'],
  move: ['arObjectMoveJob'],
  search_csv_export: ['arInformationObjectCsvExportJob'],
  sword: ['qtSwordPluginWorker'],
  publication_status: ['arUpdatePublicationStatusJob'],
  file_import: ['arFileImportJob'],
  xml_export: ['arInformationObjectXmlExportJob'],
  xml_export_single_file: ['arXmlExportSingleFileJob'],
  generate_csv_report: ['arGenerateReportJob'],
  actor_csv_export: ['arActorCsvExportJob'],
  actor_xml_export: ['arActorXmlExportJob'],
  repository_csv_export: ['arRepositoryCsvExportJob'],
  update_io_es_documents: ['arUpdateEsIoDocumentsJob'],
  holdings_report: ['arPhysicalObjectCsvHoldingsReportJob'],
  csv_validation: ['arValidateCsvJob'],
}

/** What a healthy stock worker registers: every listed class whose plugin is enabled (not qtSwordPluginWorker). */
export const STOCK_REGISTERED_CLASSES: string[] = [...new Set(Object.values(STOCK_WORKER_TYPES).flat())].filter(
  (c) => !(c in PLUGIN_JOB_CLASSES),
)

/** PHP's serialize() of a list of strings, as AtoM stores the `plugins` setting. */
export function phpSerializeList(items: string[]): string {
  return `a:${items.length}:{${items.map((v, i) => `i:${i};s:${Buffer.byteLength(v)}:"${v}";`).join('')}}`
}

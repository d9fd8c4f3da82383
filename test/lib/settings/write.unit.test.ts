import assert from 'node:assert/strict'
import {test} from 'node:test'

import {proposeProfileName} from '../../../src/lib/settings/write.js'

test('profile names: the directory name, the parent for generic ones, unique', () => {
  const taken = new Set<string>()
  assert.equal(proposeProfileName('/usr/share/nginx/atom', taken), 'atom')
  assert.equal(proposeProfileName('/srv/atom', taken), 'srv-atom')
  assert.equal(proposeProfileName('/var/www/atom-staging', taken), 'atom-staging')
  assert.equal(proposeProfileName('/var/www/html', taken), 'www-html')
  assert.equal(proposeProfileName('/opt/Archives de la Ville', taken), 'Archives-de-la-Ville')
  assert.equal(proposeProfileName('/srv2/srv/atom', taken), 'srv-atom-2')
})

import { LabIcon } from '@jupyterlab/ui-components';

import sparkCapacitySvg from '../style/icons/spark-capacity.svg';

export const sparkCapacityIcon = new LabIcon({
  name: 'livy-capacity:spark',
  svgstr: sparkCapacitySvg
});
